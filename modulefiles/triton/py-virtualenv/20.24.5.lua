-- py-virtualenv/20.24.5: rendered by pyherd from sites/triton.yaml. Edit that file, not this one.
whatis("Description: virtualenv on Triton's CPython (virtualenv does not work with Anaconda: use conda there)")
depends_on("python/3.11.7")
prepend_path("PATH", "/share/apps/spack/envs/fgci-centos7-haswell/software/py-virtualenv/20.24.5/bin")
prepend_path("PYTHONPATH", "/share/apps/spack/envs/fgci-centos7-haswell/software/py-virtualenv/20.24.5/lib/python3.11/site-packages")
