//go:build !unix

package verifiercli

import "os/exec"

// ownProcessGroup leaves cmd as it is: without Unix process groups, a
// cancelled build stops its shell, and cmd.WaitDelay bounds the wait for
// any child that keeps its output open.
func ownProcessGroup(cmd *exec.Cmd) {}
