-- miniconda/23.1.0: rendered by pyherd from sites/triton.yaml. Edit that file, not this one.
help("module load miniconda\nconda create -n ENV_NAME python pip ...\nsource activate ENV_NAME\n")
whatis("Description: Miniconda, for your own conda environments")
family("python")
-- where the tree's `current` pointed at load, kept in PYHERD_PIN_MINICONDA_23_1_0 until unload:
-- this shell's paths stay in one generation however often `current` moves on
local pyherd_pin_miniconda_23_1_0 = os.getenv("PYHERD_PIN_MINICONDA_23_1_0")
if mode() == "load" or not pyherd_pin_miniconda_23_1_0 then
    local link = "/share/apps/anaconda-ci/miniconda-23.1.0/current"
    local target = lfs.symlinkattributes(link, "target")
    pyherd_pin_miniconda_23_1_0 = target and (target:sub(1, 1) == "/" and target or (link:gsub("/[^/]*$", "")) .. "/" .. target) or link
end
setenv("PYHERD_PIN_MINICONDA_23_1_0", pyherd_pin_miniconda_23_1_0)
prepend_path("PATH", pyherd_pin_miniconda_23_1_0 .. "/bin")
if isFile(pyherd_pin_miniconda_23_1_0 .. "/etc/profile.d/conda.sh") then source_sh("bash", pyherd_pin_miniconda_23_1_0 .. "/etc/profile.d/conda.sh") end
