-- python: defaults and aliases rendered by pyherd from sites/ozstar.yaml.
module_version("python/3.10.4", "default")
