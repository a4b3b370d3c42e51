//go:build unix && !linux

package toolcache

import "syscall"

// dieWithParent does nothing here: only Linux has a parent-death signal
// in SysProcAttr. A test that is killed may leave its service running;
// one that ends stops it (Process.Stop).
func dieWithParent(*syscall.SysProcAttr) {}
