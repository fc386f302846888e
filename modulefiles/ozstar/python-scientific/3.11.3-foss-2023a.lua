-- python-scientific/3.11.3-foss-2023a: rendered by pyherd from sites/ozstar.yaml. Edit that file, not this one.
whatis("Description: SciPy, NumPy, pandas, matplotlib, IPython and friends on top of the python module")
depends_on("python/3.11.3")
prepend_path("PYTHONPATH", "/apps/modules/software/python-scientific/3.11.3-foss-2023a/lib/python3.11/site-packages")
prepend_path("PATH", "/apps/modules/software/python-scientific/3.11.3-foss-2023a/bin")
-- extensions() arrived in Lmod 8.2.8; older Lmod skips it.
if convertToCanonical(LmodVersion()) >= convertToCanonical("8.2.8") then
    extensions("h5py/3.9.0, ipython/8.14.0, matplotlib/3.7.2, mpi4py/3.1.4, numpy/1.25.1, pandas/2.0.3, scipy/1.11.1, sympy/1.12")
end
