-- anaconda/2024-01: rendered by pyherd from sites/triton.yaml. Edit that file, not this one.
help("Anaconda Python 3. Install your own packages with `pip install --user`,\nor use the miniconda module for your own conda environments.\n")
whatis("Description: Anaconda Python 3 with the common scientific packages")
family("python")
prepend_path("PATH", "/share/apps/anaconda-ci/anaconda-2024-01/current/bin")
if isFile("/share/apps/anaconda-ci/anaconda-2024-01/current/etc/profile.d/conda.sh") then source_sh("bash", "/share/apps/anaconda-ci/anaconda-2024-01/current/etc/profile.d/conda.sh") end
