-- anaconda2/latest: rendered by pyherd from sites/triton.yaml. Edit that file, not this one.
whatis("Description: Anaconda Python 2 (no longer maintained)")
family("python")
prepend_path("PATH", "/share/apps/anaconda-ci/anaconda2-latest/current/bin")
