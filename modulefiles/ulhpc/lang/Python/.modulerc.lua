-- lang/Python: defaults and aliases rendered by pyherd from sites/ulhpc.yaml.
module_version("lang/Python/3.8.6-GCCcore-10.2.0", "default")
