-- anaconda3/latest: rendered by pyherd from sites/triton.yaml. Edit that file, not this one.
whatis("Description: Anaconda Python 3 (pre-2020 installation)")
family("python")
-- where the tree's `current` pointed at load, kept in PYHERD_PIN_ANACONDA3_LATEST until unload:
-- this shell's paths stay in one generation however often `current` moves on
local pyherd_pin_anaconda3_latest = os.getenv("PYHERD_PIN_ANACONDA3_LATEST")
if mode() == "load" or not pyherd_pin_anaconda3_latest then
    local link = "/share/apps/anaconda-ci/anaconda3-latest/current"
    local target = lfs.symlinkattributes(link, "target")
    pyherd_pin_anaconda3_latest = target and (target:sub(1, 1) == "/" and target or (link:gsub("/[^/]*$", "")) .. "/" .. target) or link
end
setenv("PYHERD_PIN_ANACONDA3_LATEST", pyherd_pin_anaconda3_latest)
prepend_path("PATH", pyherd_pin_anaconda3_latest .. "/bin")
if isFile(pyherd_pin_anaconda3_latest .. "/etc/profile.d/conda.sh") then source_sh("bash", pyherd_pin_anaconda3_latest .. "/etc/profile.d/conda.sh") end
