package toolcache

import "syscall"

// dieWithParent has the kernel send the service SIGKILL when the test
// process that started it dies, so a killed test leaves no service behind.
func dieWithParent(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }
