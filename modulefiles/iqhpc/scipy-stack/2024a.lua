-- scipy-stack/2024a: rendered by pyherd from sites/iqhpc.yaml. Edit that file, not this one.
whatis("Description: Scientific Python: numpy, scipy, pandas, matplotlib, ipython and friends")
depends_on("python")
add_property("type_", "math")
prepend_path("EBPYTHONPREFIXES", "/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/scipy-stack/2024a")
-- extensions() arrived in Lmod 8.2.8; older Lmod skips it.
if convertToCanonical(LmodVersion()) >= convertToCanonical("8.2.8") then
    extensions("ipython/8.22.2, matplotlib/3.8.4, numpy/1.26.4, pandas/2.2.1, scipy/1.13.0, sympy/1.12")
end
