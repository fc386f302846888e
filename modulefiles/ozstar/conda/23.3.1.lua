-- conda/23.3.1: rendered by pyherd from sites/ozstar.yaml. Edit that file, not this one.
help("Environments and the package cache live in ~/.conda; they fill the home quota fast.\nMove them to project storage with:\n  conda config --env --prepend envs_dirs /fred/ozXXX/$USER/.conda/envs\n  conda config --env --prepend pkgs_dirs /fred/ozXXX/$USER/.conda/pkgs\n")
whatis("Description: conda package manager (Mambaforge: `mamba` is the fast solver, `conda` works too)")
-- where the tree's `current` pointed at load, kept in PYHERD_PIN_CONDA_23_3_1 until unload:
-- this shell's paths stay in one generation however often `current` moves on
local pyherd_pin_conda_23_3_1 = os.getenv("PYHERD_PIN_CONDA_23_3_1")
if mode() == "load" or not pyherd_pin_conda_23_3_1 then
    local link = "/apps/conda/mambaforge-23.3.1/current"
    local target = lfs.symlinkattributes(link, "target")
    pyherd_pin_conda_23_3_1 = target and (target:sub(1, 1) == "/" and target or (link:gsub("/[^/]*$", "")) .. "/" .. target) or link
end
setenv("PYHERD_PIN_CONDA_23_3_1", pyherd_pin_conda_23_3_1)
prepend_path("PATH", pyherd_pin_conda_23_3_1 .. "/bin")
if isFile(pyherd_pin_conda_23_3_1 .. "/etc/profile.d/conda.sh") then source_sh("bash", pyherd_pin_conda_23_3_1 .. "/etc/profile.d/conda.sh") end
setenv("CONDA_ENVS_DIRS", (os.getenv("HOME") or "") .. "/.conda/envs")
setenv("CONDA_PKGS_DIRS", (os.getenv("HOME") or "") .. "/.conda/pkgs")
setenv("CONDA_CHANNELS", "conda-forge")
