// Shared by the test targets: the seeded random source of FacetBenchmarkSupport, so a randomised
// test fails the same way every time it fails (one generator in the tree, not a copy per target).

@_exported import FacetBenchmarkSupport
