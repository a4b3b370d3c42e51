//go:build !unix

package localfiletest

import "testing"

// FIFOCases is empty outside unix: there are no FIFOs to name.
func FIFOCases(testing.TB, string) []Case { return nil }
