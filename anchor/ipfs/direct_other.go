//go:build !linux

package ipfs

// directAlign aligns the chunk buffers; without O_DIRECT it changes
// nothing but their addresses.
const directAlign = 4096

// directLength is false: this system's writes go through the page cache.
func directLength(int) bool { return false }

func directAligned([]byte) bool { return false }

func writeDirect(string, []byte) (string, error) { return "", errNoDirect }
