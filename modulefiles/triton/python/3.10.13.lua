-- python/3.10.13: rendered by pyherd from sites/triton.yaml. Edit that file, not this one.
whatis("Description: CPython built and optimized for Triton")
family("python")
prepend_path("PATH", "/share/apps/spack/envs/fgci-centos7-haswell/software/python/3.10.13/bin")
prepend_path("MANPATH", "/share/apps/spack/envs/fgci-centos7-haswell/software/python/3.10.13/share/man")
if isDir("/share/apps/spack/envs/fgci-centos7-haswell/software/python/3.10.13") then prepend_path("CMAKE_PREFIX_PATH", "/share/apps/spack/envs/fgci-centos7-haswell/software/python/3.10.13") end
if isDir("/share/apps/spack/envs/fgci-centos7-haswell/software/python/3.10.13/share/pkgconfig") then prepend_path("PKG_CONFIG_PATH", "/share/apps/spack/envs/fgci-centos7-haswell/software/python/3.10.13/share/pkgconfig") end
if isDir("/share/apps/spack/envs/fgci-centos7-haswell/software/python/3.10.13/lib64/pkgconfig") then prepend_path("PKG_CONFIG_PATH", "/share/apps/spack/envs/fgci-centos7-haswell/software/python/3.10.13/lib64/pkgconfig") end
if isDir("/share/apps/spack/envs/fgci-centos7-haswell/software/python/3.10.13/lib/pkgconfig") then prepend_path("PKG_CONFIG_PATH", "/share/apps/spack/envs/fgci-centos7-haswell/software/python/3.10.13/lib/pkgconfig") end
if isDir("/share/apps/spack/envs/fgci-centos7-haswell/software/python/3.10.13/lib64") then prepend_path("LIBRARY_PATH", "/share/apps/spack/envs/fgci-centos7-haswell/software/python/3.10.13/lib64") end
if isDir("/share/apps/spack/envs/fgci-centos7-haswell/software/python/3.10.13/lib") then prepend_path("LIBRARY_PATH", "/share/apps/spack/envs/fgci-centos7-haswell/software/python/3.10.13/lib") end
