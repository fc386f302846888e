-- python-build-bundle: defaults and aliases rendered by pyherd from sites/iqhpc.yaml.
module_version("python-build-bundle/2024a", "default")
