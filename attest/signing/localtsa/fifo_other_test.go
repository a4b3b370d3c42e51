//go:build !unix

package localtsa_test

import "testing"

// fileCase is a path a reader must refuse, and what it names.
type fileCase struct{ name, path string }

// fifoCases is empty outside unix: there are no FIFOs to name.
func fifoCases(*testing.T, string) []fileCase { return nil }
