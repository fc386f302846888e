-- scipy-stack: defaults and aliases rendered by pyherd from sites/alliance.yaml.
module_version("scipy-stack/2024b", "default")
