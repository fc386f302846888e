-- lang/SciPy-bundle/2020.11-foss-2020b: rendered by pyherd from sites/ulhpc.yaml. Edit that file, not this one.
whatis("Description: Bundle of Python packages for scientific software")
depends_on("lang/Python/3.8.6-GCCcore-10.2.0")
setenv("EBROOTSCIPYMINBUNDLE", "/opt/apps/resif/aion/2020b/epyc/software/SciPy-bundle/2020.11-foss-2020b")
setenv("EBVERSIONSCIPYMINBUNDLE", "2020.11")
prepend_path("PYTHONPATH", "/opt/apps/resif/aion/2020b/epyc/software/SciPy-bundle/2020.11-foss-2020b/lib/python3.8/site-packages")
-- extensions() arrived in Lmod 8.2.8; older Lmod skips it.
if convertToCanonical(LmodVersion()) >= convertToCanonical("8.2.8") then
    extensions("deap/1.3.1, mpi4py/3.0.3, mpmath/1.1.0, numpy/1.19.4, pandas/1.1.4, scipy/1.5.4")
end
