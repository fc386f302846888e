-- ipython-kernel: defaults and aliases rendered by pyherd from sites/iqhpc.yaml.
module_version("ipython-kernel/3.11", "default")
