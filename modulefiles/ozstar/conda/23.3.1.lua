-- conda/23.3.1: rendered by pyherd from sites/ozstar.yaml. Edit that file, not this one.
help("Environments and the package cache live in ~/.conda; they fill the home quota fast.\nMove them to project storage with:\n  conda config --env --prepend envs_dirs /fred/ozXXX/$USER/.conda/envs\n  conda config --env --prepend pkgs_dirs /fred/ozXXX/$USER/.conda/pkgs\n")
whatis("Description: conda package manager (Mambaforge: `mamba` is the fast solver, `conda` works too)")
prepend_path("PATH", "/apps/conda/mambaforge-23.3.1/current/bin")
if isFile("/apps/conda/mambaforge-23.3.1/current/etc/profile.d/conda.sh") then source_sh("bash", "/apps/conda/mambaforge-23.3.1/current/etc/profile.d/conda.sh") end
setenv("CONDA_ENVS_DIRS", (os.getenv("HOME") or "") .. "/.conda/envs")
setenv("CONDA_PKGS_DIRS", (os.getenv("HOME") or "") .. "/.conda/pkgs")
setenv("CONDA_CHANNELS", "conda-forge")
setenv("PIP_REQUIRE_VIRTUALENV", "true")
