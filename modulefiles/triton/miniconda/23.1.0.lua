-- miniconda/23.1.0: rendered by pyherd from sites/triton.yaml. Edit that file, not this one.
help("module load miniconda\nconda create -n ENV_NAME python pip ...\nsource activate ENV_NAME\n")
whatis("Description: Miniconda, for your own conda environments")
family("python")
prepend_path("PATH", "/share/apps/anaconda-ci/miniconda-23.1.0/current/bin")
if isFile("/share/apps/anaconda-ci/miniconda-23.1.0/current/etc/profile.d/conda.sh") then source_sh("bash", "/share/apps/anaconda-ci/miniconda-23.1.0/current/etc/profile.d/conda.sh") end
