-- anaconda2/latest: rendered by pyherd from sites/triton.yaml. Edit that file, not this one.
whatis("Description: Anaconda Python 2 (no longer maintained)")
family("python")
prepend_path("PATH", "/share/apps/anaconda-ci/anaconda2-latest/current/bin")
if isFile("/share/apps/anaconda-ci/anaconda2-latest/current/etc/profile.d/conda.sh") then source_sh("bash", "/share/apps/anaconda-ci/anaconda2-latest/current/etc/profile.d/conda.sh") end
