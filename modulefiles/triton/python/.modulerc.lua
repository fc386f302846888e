-- python: defaults and aliases rendered by pyherd from sites/triton.yaml.
module_version("python/3.11.7", "default")
