-- python/3.12.4: rendered by pyherd from sites/alliance.yaml. Edit that file, not this one.
help("Python with pip, setuptools, wheel and virtualenv.\nCreate a virtual environment before installing packages:\n  virtualenv --no-download $HOME/venv/myenv\n  source $HOME/venv/myenv/bin/activate\n  pip install --no-index --upgrade pip\n")
whatis("Description: Python is a programming language that lets you work more quickly and integrate your systems more effectively.")
whatis("Homepage: https://python.org/")
family("python")
add_property("type_", "tools")
prepend_path("PATH", "/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python/3.12.4/bin")
prepend_path("MANPATH", "/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python/3.12.4/share/man")
setenv("PIP_CONFIG_FILE", "/cvmfs/soft.computecanada.ca/custom/python/wheelhouse/pip/" .. (os.getenv("RSNT_ARCH") or "x86-64-v3") .. ".conf")
setenv("PYHERD_WHEELHOUSE", "/cvmfs/soft.computecanada.ca/custom/python/wheelhouse")
setenv("UV_INDEX", "file:///cvmfs/soft.computecanada.ca/custom/python/wheelhouse/simple/" .. (os.getenv("RSNT_ARCH") or "x86-64-v3") .. "/")
setenv("UV_DEFAULT_INDEX", "https://pypi.org/simple")
setenv("PYHERD_PYTHON_VERSION", "3.12")
if isDir("/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python/3.12.4") then prepend_path("CMAKE_PREFIX_PATH", "/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python/3.12.4") end
if isDir("/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python/3.12.4/share/pkgconfig") then prepend_path("PKG_CONFIG_PATH", "/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python/3.12.4/share/pkgconfig") end
if isDir("/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python/3.12.4/lib64/pkgconfig") then prepend_path("PKG_CONFIG_PATH", "/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python/3.12.4/lib64/pkgconfig") end
if isDir("/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python/3.12.4/lib/pkgconfig") then prepend_path("PKG_CONFIG_PATH", "/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python/3.12.4/lib/pkgconfig") end
if isDir("/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python/3.12.4/lib64") then prepend_path("LIBRARY_PATH", "/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python/3.12.4/lib64") end
if isDir("/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python/3.12.4/lib") then prepend_path("LIBRARY_PATH", "/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python/3.12.4/lib") end
