-- compiler/GCCcore/10.2.0: rendered by pyherd from sites/ulhpc.yaml. Edit that file, not this one.
whatis("Description: The GNU Compiler Collection (core runtime)")
setenv("EBROOTGCCCORE", "/opt/apps/resif/aion/2020b/epyc/software/GCCcore/10.2.0")
setenv("EBVERSIONGCCCORE", "10.2.0")
prepend_path("PATH", "/opt/apps/resif/aion/2020b/epyc/software/GCCcore/10.2.0/bin")
prepend_path("LD_LIBRARY_PATH", "/opt/apps/resif/aion/2020b/epyc/software/GCCcore/10.2.0/lib64")
