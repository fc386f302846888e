-- anaconda2/latest: rendered by pyherd from sites/triton.yaml. Edit that file, not this one.
whatis("Description: Anaconda Python 2 (no longer maintained)")
family("python")
-- where the tree's `current` pointed at load, kept in PYHERD_PIN_ANACONDA2_LATEST until unload:
-- this shell's paths stay in one generation however often `current` moves on
local pyherd_pin_anaconda2_latest = os.getenv("PYHERD_PIN_ANACONDA2_LATEST")
if mode() == "load" or not pyherd_pin_anaconda2_latest then
    local link = "/share/apps/anaconda-ci/anaconda2-latest/current"
    local target = lfs.symlinkattributes(link, "target")
    pyherd_pin_anaconda2_latest = target and (target:sub(1, 1) == "/" and target or (link:gsub("/[^/]*$", "")) .. "/" .. target) or link
end
setenv("PYHERD_PIN_ANACONDA2_LATEST", pyherd_pin_anaconda2_latest)
prepend_path("PATH", pyherd_pin_anaconda2_latest .. "/bin")
if isFile(pyherd_pin_anaconda2_latest .. "/etc/profile.d/conda.sh") then source_sh("bash", pyherd_pin_anaconda2_latest .. "/etc/profile.d/conda.sh") end
