//go:build unix

package localfile

import "io/fs"

// othersMay says whether m's permission bits give group or others any
// access: a private key file's must not.
func othersMay(m fs.FileMode) bool { return m.Perm()&0o077 != 0 }
