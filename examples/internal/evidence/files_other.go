//go:build !unix

package evidence

import "os"

// openFlags: no FIFOs or terminals to guard against outside unix; the
// file's type is still checked after opening.
const openFlags = os.O_RDONLY

const appendFlags = os.O_WRONLY | os.O_APPEND | os.O_CREATE

func clearNonblock(*os.File) error { return nil }

// othersMay is false outside unix: Windows files have no group or other
// permission bits (Go reports 0666, or 0444 for a read-only file; access
// is governed by ACLs), so a key's file is not judged by them.
func othersMay(os.FileMode) bool { return false }
