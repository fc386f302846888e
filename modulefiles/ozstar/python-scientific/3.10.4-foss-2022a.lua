-- python-scientific/3.10.4-foss-2022a: rendered by pyherd from sites/ozstar.yaml. Edit that file, not this one.
whatis("Description: SciPy, NumPy, pandas, matplotlib, IPython and friends on top of the python module")
depends_on("python/3.10.4")
prepend_path("PYTHONPATH", "/apps/modules/software/python-scientific/3.10.4-foss-2022a/lib/python3.10/site-packages")
prepend_path("PATH", "/apps/modules/software/python-scientific/3.10.4-foss-2022a/bin")
-- extensions() arrived in Lmod 8.2.8; older Lmod skips it.
if convertToCanonical(LmodVersion()) >= convertToCanonical("8.2.8") then
    extensions("h5py/3.7.0, ipython/8.5.0, matplotlib/3.5.2, mpi4py/3.1.3, numpy/1.22.3, pandas/1.4.2, scipy/1.8.1, sympy/1.10.1")
end
