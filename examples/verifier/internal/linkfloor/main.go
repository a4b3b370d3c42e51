// Command linkfloor links sigstore-go's verifier (package pkg/verify, and
// through it pkg/bundle, pkg/root and pkg/tlog) and exits at once.
//
// It is the floor of the process benchmarks in examples/verifier: a
// process that verifies with sigstore-go pays at least this much (loading
// the binary, and the init of every package sigstore-go links) before it
// reads a byte. See BenchmarkProcessLinkFloor.
package main

import _ "github.com/sigstore/sigstore-go/pkg/verify"

func main() {}
