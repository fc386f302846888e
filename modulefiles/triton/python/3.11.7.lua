-- python/3.11.7: rendered by pyherd from sites/triton.yaml. Edit that file, not this one.
whatis("Description: CPython built and optimized for Triton")
family("python")
prepend_path("PATH", "/share/apps/spack/envs/fgci-centos7-haswell/software/python/3.11.7/bin")
prepend_path("MANPATH", "/share/apps/spack/envs/fgci-centos7-haswell/software/python/3.11.7/share/man")
