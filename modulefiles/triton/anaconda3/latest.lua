-- anaconda3/latest: rendered by pyherd from sites/triton.yaml. Edit that file, not this one.
whatis("Description: Anaconda Python 3 (pre-2020 installation)")
family("python")
prepend_path("PATH", "/share/apps/anaconda-ci/anaconda3-latest/current/bin")
if isFile("/share/apps/anaconda-ci/anaconda3-latest/current/etc/profile.d/conda.sh") then source_sh("bash", "/share/apps/anaconda-ci/anaconda3-latest/current/etc/profile.d/conda.sh") end
if mode() == "load" then
    -- io.stderr keeps the text as written (LmodMessage reflows it to the terminal width).
    io.stderr:write("anaconda3/latest is deprecated: Python 3 is now the `anaconda` module; anaconda3 gets no updates. Use: module load anaconda", "\n")
end
