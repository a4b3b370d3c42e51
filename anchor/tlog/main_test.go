package tlog

import (
	"io"
	"os"
	"testing"

	"k8s.io/klog/v2"
)

// TestMain silences tessera's klog lines ("Initializing directory for POSIX
// log …"): a program's choice, made here for the tests only.
func TestMain(m *testing.M) {
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
	os.Exit(m.Run())
}
