-- ipython-kernel: defaults and aliases rendered by pyherd from sites/alliance.yaml.
module_version("ipython-kernel/3.11", "default")
