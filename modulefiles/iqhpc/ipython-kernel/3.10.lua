-- ipython-kernel/3.10: rendered by pyherd from sites/iqhpc.yaml. Edit that file, not this one.
whatis("Description: An IPython kernel for Jupyter, matching the loaded python")
depends_on("python/3.10.13")
prepend_path("JUPYTER_PATH", "/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/ipython-kernel/3.10/share/jupyter")
-- extensions() arrived in Lmod 8.2.8; older Lmod skips it.
if convertToCanonical(LmodVersion()) >= convertToCanonical("8.2.8") then
    extensions("ipykernel/6.29.4, ipython/8.24.0, jupyter_client/8.6.1")
end
