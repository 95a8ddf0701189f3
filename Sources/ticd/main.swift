import Foundation

// Before anything of Models runs: a release build needs AVX2 and FMA on x86-64.
KernelSelection.requireVectorExtensions()
// The BLAS kernel is fixed when OpenBLAS loads, so this must come before any numeric work.
KernelSelection.reexecIfWeaker()
setvbuf(stdout, nil, _IOLBF, 0)
exit(CommandLineInterface.run(Array(CommandLine.arguments.dropFirst())))
