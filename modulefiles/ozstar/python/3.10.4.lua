-- python/3.10.4: rendered by pyherd from sites/ozstar.yaml. Edit that file, not this one.
help("Create a virtual environment before installing with pip:\n  python -m venv /path/to/venv\n  source /path/to/venv/bin/activate\nInstalling into ~/.local needs PIP_REQUIRE_VIRTUALENV=false (unsupported).\n")
whatis("Description: Python with commonly used packages")
family("python")
prepend_path("PATH", "/apps/modules/software/python/3.10.4/bin")
prepend_path("MANPATH", "/apps/modules/software/python/3.10.4/share/man")
if isDir("/apps/modules/software/python/3.10.4") then prepend_path("CMAKE_PREFIX_PATH", "/apps/modules/software/python/3.10.4") end
if isDir("/apps/modules/software/python/3.10.4/share/pkgconfig") then prepend_path("PKG_CONFIG_PATH", "/apps/modules/software/python/3.10.4/share/pkgconfig") end
if isDir("/apps/modules/software/python/3.10.4/lib64/pkgconfig") then prepend_path("PKG_CONFIG_PATH", "/apps/modules/software/python/3.10.4/lib64/pkgconfig") end
if isDir("/apps/modules/software/python/3.10.4/lib/pkgconfig") then prepend_path("PKG_CONFIG_PATH", "/apps/modules/software/python/3.10.4/lib/pkgconfig") end
if isDir("/apps/modules/software/python/3.10.4/lib64") then prepend_path("LIBRARY_PATH", "/apps/modules/software/python/3.10.4/lib64") end
if isDir("/apps/modules/software/python/3.10.4/lib") then prepend_path("LIBRARY_PATH", "/apps/modules/software/python/3.10.4/lib") end
setenv("PIP_REQUIRE_VIRTUALENV", "true")
-- extensions() arrived in Lmod 8.2.8; older Lmod skips it.
if convertToCanonical(LmodVersion()) >= convertToCanonical("8.2.8") then
    extensions("cython/0.29.28, numpy/1.22.3, pip/22.0.4, pyyaml/6.0, requests/2.27.1, setuptools/62.1.0, virtualenv/20.14.1, wheel/0.37.1")
end
