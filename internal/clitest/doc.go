// Package clitest holds what tests that run a program or a client
// against bad inputs share: the example programs' tests (module
// examples), which build a program and judge it by its exit code and
// output (Main, Run, the exit-code Matrix), and the root module's tests
// of clients (anchor/tlog, anchor/ipfs, verify/sigstore), which need
// servers on 127.0.0.1 that hang or are gone, and FIFOs: the inputs a
// command must refuse or give up on within its deadline.
//
// The servers that hang (StallServer), FIFOs (Mkfifo) and the matrix are
// unix-only; DeadURL has a weaker fallback elsewhere.
package clitest
