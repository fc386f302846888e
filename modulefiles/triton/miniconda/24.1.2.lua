-- miniconda/24.1.2: rendered by pyherd from sites/triton.yaml. Edit that file, not this one.
help("module load miniconda\nconda create -n ENV_NAME python pip ...\nsource activate ENV_NAME\n")
whatis("Description: Miniconda, for your own conda environments")
family("python")
-- where the tree's `current` pointed at load, kept in PYHERD_PIN_MINICONDA_24_1_2 until unload:
-- this shell's paths stay in one generation however often `current` moves on
local pyherd_pin_miniconda_24_1_2 = os.getenv("PYHERD_PIN_MINICONDA_24_1_2")
if mode() == "load" or not pyherd_pin_miniconda_24_1_2 then
    local link = "/share/apps/anaconda-ci/miniconda-24.1.2/current"
    local target = lfs.symlinkattributes(link, "target")
    pyherd_pin_miniconda_24_1_2 = target and (target:sub(1, 1) == "/" and target or (link:gsub("/[^/]*$", "")) .. "/" .. target) or link
end
setenv("PYHERD_PIN_MINICONDA_24_1_2", pyherd_pin_miniconda_24_1_2)
prepend_path("PATH", pyherd_pin_miniconda_24_1_2 .. "/bin")
if isFile(pyherd_pin_miniconda_24_1_2 .. "/etc/profile.d/conda.sh") then source_sh("bash", pyherd_pin_miniconda_24_1_2 .. "/etc/profile.d/conda.sh") end
