-- python-build-bundle/2024a: rendered by pyherd from sites/alliance.yaml. Edit that file, not this one.
whatis("Description: Build tools for Python packages: setuptools, wheel, flit, hatchling, meson-python, scikit-build-core")
depends_on("python")
prepend_path("EBPYTHONPREFIXES", "/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v3/Core/python-build-bundle/2024a")
-- extensions() arrived in Lmod 8.2.8; older Lmod skips it.
if convertToCanonical(LmodVersion()) >= convertToCanonical("8.2.8") then
    extensions("flit-core/3.9.0, hatchling/1.24.2, meson-python/0.16.0, scikit-build-core/0.9.4, setuptools/70.0.0, wheel/0.43.0")
end
