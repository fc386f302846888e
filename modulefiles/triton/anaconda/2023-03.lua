-- anaconda/2023-03: rendered by pyherd from sites/triton.yaml. Edit that file, not this one.
help("Anaconda Python 3. Install your own packages with `pip install --user`,\nor use the miniconda module for your own conda environments.\n")
whatis("Description: Anaconda Python 3 with the common scientific packages")
family("python")
-- where the tree's `current` pointed at load, kept in PYHERD_PIN_ANACONDA_2023_03 until unload:
-- this shell's paths stay in one generation however often `current` moves on
local pyherd_pin_anaconda_2023_03 = os.getenv("PYHERD_PIN_ANACONDA_2023_03")
if mode() == "load" or not pyherd_pin_anaconda_2023_03 then
    local link = "/share/apps/anaconda-ci/anaconda-2023-03/current"
    local target = lfs.symlinkattributes(link, "target")
    pyherd_pin_anaconda_2023_03 = target and (target:sub(1, 1) == "/" and target or (link:gsub("/[^/]*$", "")) .. "/" .. target) or link
end
setenv("PYHERD_PIN_ANACONDA_2023_03", pyherd_pin_anaconda_2023_03)
prepend_path("PATH", pyherd_pin_anaconda_2023_03 .. "/bin")
if isFile(pyherd_pin_anaconda_2023_03 .. "/etc/profile.d/conda.sh") then source_sh("bash", pyherd_pin_anaconda_2023_03 .. "/etc/profile.d/conda.sh") end
