-- python: defaults and aliases rendered by pyherd from sites/iqhpc.yaml.
module_version("python/3.11.5", "default")
module_version("python/3.10.13", "3.10")
module_version("python/3.11.5", "3.11")
