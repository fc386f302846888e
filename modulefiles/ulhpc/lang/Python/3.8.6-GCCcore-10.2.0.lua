-- lang/Python/3.8.6-GCCcore-10.2.0: rendered by pyherd from sites/ulhpc.yaml. Edit that file, not this one.
whatis("Description: Python is a programming language that lets you work more quickly and integrate your systems more effectively.")
whatis("Homepage: https://python.org/")
depends_on("compiler/GCCcore/10.2.0")
prepend_path("PATH", "/opt/apps/resif/aion/2020b/epyc/software/Python/3.8.6-GCCcore-10.2.0/bin")
prepend_path("MANPATH", "/opt/apps/resif/aion/2020b/epyc/software/Python/3.8.6-GCCcore-10.2.0/share/man")
if isDir("/opt/apps/resif/aion/2020b/epyc/software/Python/3.8.6-GCCcore-10.2.0") then prepend_path("CMAKE_PREFIX_PATH", "/opt/apps/resif/aion/2020b/epyc/software/Python/3.8.6-GCCcore-10.2.0") end
if isDir("/opt/apps/resif/aion/2020b/epyc/software/Python/3.8.6-GCCcore-10.2.0/share/pkgconfig") then prepend_path("PKG_CONFIG_PATH", "/opt/apps/resif/aion/2020b/epyc/software/Python/3.8.6-GCCcore-10.2.0/share/pkgconfig") end
if isDir("/opt/apps/resif/aion/2020b/epyc/software/Python/3.8.6-GCCcore-10.2.0/lib64/pkgconfig") then prepend_path("PKG_CONFIG_PATH", "/opt/apps/resif/aion/2020b/epyc/software/Python/3.8.6-GCCcore-10.2.0/lib64/pkgconfig") end
if isDir("/opt/apps/resif/aion/2020b/epyc/software/Python/3.8.6-GCCcore-10.2.0/lib/pkgconfig") then prepend_path("PKG_CONFIG_PATH", "/opt/apps/resif/aion/2020b/epyc/software/Python/3.8.6-GCCcore-10.2.0/lib/pkgconfig") end
if isDir("/opt/apps/resif/aion/2020b/epyc/software/Python/3.8.6-GCCcore-10.2.0/lib64") then prepend_path("LIBRARY_PATH", "/opt/apps/resif/aion/2020b/epyc/software/Python/3.8.6-GCCcore-10.2.0/lib64") end
if isDir("/opt/apps/resif/aion/2020b/epyc/software/Python/3.8.6-GCCcore-10.2.0/lib") then prepend_path("LIBRARY_PATH", "/opt/apps/resif/aion/2020b/epyc/software/Python/3.8.6-GCCcore-10.2.0/lib") end
setenv("EBROOTPYTHON", "/opt/apps/resif/aion/2020b/epyc/software/Python/3.8.6-GCCcore-10.2.0")
setenv("EBVERSIONPYTHON", "3.8.6")
-- extensions() arrived in Lmod 8.2.8; older Lmod skips it.
if convertToCanonical(LmodVersion()) >= convertToCanonical("8.2.8") then
    extensions("Cython/0.29.21, pip/20.2.3, setuptools/50.3.2, virtualenv/20.2.1, wheel/0.35.1")
end
