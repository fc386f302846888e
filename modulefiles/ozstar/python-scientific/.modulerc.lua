-- python-scientific: defaults and aliases rendered by pyherd from sites/ozstar.yaml.
module_version("python-scientific/3.11.3-foss-2023a", "default")
