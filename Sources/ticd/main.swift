import Foundation

// The BLAS kernel is fixed when OpenBLAS loads, so this must come before any numeric work.
KernelSelection.reexecIfWeaker()
setvbuf(stdout, nil, _IOLBF, 0)
exit(CommandLineInterface.run(Array(CommandLine.arguments.dropFirst())))
