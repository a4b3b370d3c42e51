//go:build unix && !linux

package main

import "testing"

// archivistOffline needs a network namespace of its own, which only Linux
// has: elsewhere the offline checks are skipped (they run on Linux, as in
// CI).
func archivistOffline(t *testing.T, _ string, _ ...string) result {
	t.Helper()
	t.Skip("cutting the network off needs a Linux network namespace; this part runs on Linux")
	return result{}
}
