//go:build !unix

package evidence

import "os"

// openFlags: no FIFOs or terminals to guard against outside unix; the
// file's type is still checked after opening.
const openFlags = os.O_RDONLY

const appendFlags = os.O_WRONLY | os.O_APPEND | os.O_CREATE

func clearNonblock(*os.File) error { return nil }
