//go:build unix

package clitest

import (
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// StallServer accepts connections on 127.0.0.1 and never answers: a
// server that hangs. It returns its base URL; the test's cleanup closes
// it and every connection it accepted.
func StallServer(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String()
}

// DeadURL is the base URL of a port on 127.0.0.1 nobody listens on.
func DeadURL(t testing.TB) string {
	t.Helper()
	// A socket bound to a port but not listening: connections to it are
	// refused, and the port stays ours until the test ends, so no other
	// server (another package's test, another test run) can take it and
	// answer in its place, as a port closed after Listen could.
	// SOCK_CLOEXEC is not on every unix: mark it close-on-exec under
	// ForkLock, as package net does there, so no child started meanwhile
	// inherits it.
	syscall.ForkLock.RLock()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("http://127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
}

// Mkfifo makes a FIFO named name in dir, with no writer, and returns its
// path.
func Mkfifo(t testing.TB, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
