//go:build !unix

package localfile

import "io/fs"

// othersMay is false outside unix: Windows files have no group or other
// permission bits (Go reports 0666, or 0444 for a read-only file; access
// is governed by ACLs this package does not read).
func othersMay(fs.FileMode) bool { return false }
