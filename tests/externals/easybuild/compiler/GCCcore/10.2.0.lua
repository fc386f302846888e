-- A stand-in for the module EasyBuild writes for GCCcore on ULHPC (pyherd does not render
-- it; sites/ulhpc.yaml declares it under externals). Shaped like EasyBuild's own output.
help([==[
Description
===========
The GNU Compiler Collection includes front ends for C, C++, Objective-C, Fortran, Java, and Ada,
 as well as libraries for these languages (libstdc++, libgcj,...).
]==])

whatis([==[Description: The GNU Compiler Collection includes front ends for C, C++, Objective-C,
 Fortran, Java, and Ada, as well as libraries for these languages (libstdc++, libgcj,...).]==])
whatis([==[Homepage: https://gcc.gnu.org/]==])

local root = "/opt/apps/resif/aion/2020b/epyc/software/GCCcore/10.2.0"

conflict("compiler/GCCcore")

prepend_path("CMAKE_LIBRARY_PATH", pathJoin(root, "lib64"))
prepend_path("LD_LIBRARY_PATH", pathJoin(root, "lib"))
prepend_path("LD_LIBRARY_PATH", pathJoin(root, "lib64"))
prepend_path("MANPATH", pathJoin(root, "share/man"))
prepend_path("PATH", pathJoin(root, "bin"))
setenv("EBROOTGCCCORE", root)
setenv("EBVERSIONGCCCORE", "10.2.0")
setenv("EBDEVELGCCCORE", pathJoin(root, "easybuild/compiler-GCCcore-10.2.0-easybuild-devel"))
