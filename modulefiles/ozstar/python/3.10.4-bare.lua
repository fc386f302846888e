-- python/3.10.4-bare: rendered by pyherd from sites/ozstar.yaml. Edit that file, not this one.
help("Create a virtual environment before installing with pip:\n  python -m venv /path/to/venv\n  source /path/to/venv/bin/activate\nInstalling into ~/.local needs PIP_REQUIRE_VIRTUALENV=false (unsupported).\n")
whatis("Description: a minimal installation of Python (pip and setuptools only)")
family("python")
prepend_path("PATH", "/apps/modules/software/python/3.10.4-bare/bin")
prepend_path("MANPATH", "/apps/modules/software/python/3.10.4-bare/share/man")
if isDir("/apps/modules/software/python/3.10.4-bare") then prepend_path("CMAKE_PREFIX_PATH", "/apps/modules/software/python/3.10.4-bare") end
if isDir("/apps/modules/software/python/3.10.4-bare/share/pkgconfig") then prepend_path("PKG_CONFIG_PATH", "/apps/modules/software/python/3.10.4-bare/share/pkgconfig") end
if isDir("/apps/modules/software/python/3.10.4-bare/lib64/pkgconfig") then prepend_path("PKG_CONFIG_PATH", "/apps/modules/software/python/3.10.4-bare/lib64/pkgconfig") end
if isDir("/apps/modules/software/python/3.10.4-bare/lib/pkgconfig") then prepend_path("PKG_CONFIG_PATH", "/apps/modules/software/python/3.10.4-bare/lib/pkgconfig") end
if isDir("/apps/modules/software/python/3.10.4-bare/lib64") then prepend_path("LIBRARY_PATH", "/apps/modules/software/python/3.10.4-bare/lib64") end
if isDir("/apps/modules/software/python/3.10.4-bare/lib") then prepend_path("LIBRARY_PATH", "/apps/modules/software/python/3.10.4-bare/lib") end
setenv("PIP_REQUIRE_VIRTUALENV", "true")
-- extensions() arrived in Lmod 8.2.8; older Lmod skips it.
if convertToCanonical(LmodVersion()) >= convertToCanonical("8.2.8") then
    extensions("pip/22.0.4, setuptools/62.1.0")
end
