-- miniconda: defaults and aliases rendered by pyherd from sites/triton.yaml.
module_version("miniconda/24.1.2", "default")
