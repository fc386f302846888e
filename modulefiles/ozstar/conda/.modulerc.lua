-- conda: defaults and aliases rendered by pyherd from sites/ozstar.yaml.
module_version("conda/23.3.1", "default")
