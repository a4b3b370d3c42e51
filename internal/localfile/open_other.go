//go:build !unix

package localfile

import "os"

// openFlags: no FIFOs or terminals to guard against outside unix; the
// file type is still checked after opening.
const openFlags = os.O_RDONLY

const createFlags = 0

func clearNonblock(*os.File) error { return nil }
