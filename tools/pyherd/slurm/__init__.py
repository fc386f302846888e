"""Slurm as the build engine: job arrays that build, a dependent job that publishes."""
