//go:build !unix

package clitest

import (
	"net"
	"testing"
)

// DeadURL is the base URL of a port on 127.0.0.1 nobody listens on. Here
// (no unix sockets API) it is a port listened on and closed at once, which
// another process could take before the test dials it; on unix the port is
// held for the whole test.
func DeadURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}
