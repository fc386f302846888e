"""pyherd: admin tooling for Python on HPC clusters."""

__version__ = "0.1.0"
