-- anaconda: defaults and aliases rendered by pyherd from sites/triton.yaml.
module_version("anaconda/2024-01", "default")
