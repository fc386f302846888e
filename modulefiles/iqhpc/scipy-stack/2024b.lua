-- scipy-stack/2024b: rendered by pyherd from sites/iqhpc.yaml. Edit that file, not this one.
whatis("Description: Scientific Python: numpy, scipy, pandas, matplotlib, ipython and friends")
depends_on("python")
add_property("type_", "math")
prepend_path("EBPYTHONPREFIXES", "/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/scipy-stack/2024b")
-- extensions() arrived in Lmod 8.2.8; older Lmod skips it.
if convertToCanonical(LmodVersion()) >= convertToCanonical("8.2.8") then
    extensions("ipython/8.27.0, matplotlib/3.9.2, numpy/2.1.1, pandas/2.2.2, scipy/1.14.1, sympy/1.13.2")
end
