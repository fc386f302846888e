-- python/3.10.13: rendered by pyherd from sites/alliance.yaml. Edit that file, not this one.
help("Python with pip, setuptools, wheel and virtualenv.\nCreate a virtual environment before installing packages:\n  virtualenv --no-download $HOME/venv/myenv\n  source $HOME/venv/myenv/bin/activate\n  pip install --no-index --upgrade pip\n")
whatis("Description: Python is a programming language that lets you work more quickly and integrate your systems more effectively.")
whatis("Homepage: https://python.org/")
family("python")
add_property("type_", "tools")
prepend_path("PATH", "/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python/3.10.13/bin")
prepend_path("MANPATH", "/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python/3.10.13/share/man")
