package evidence

import (
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ats-run/selfattest/anchor"
)

// openRegular opens the regular file at p for reading at most limit
// bytes. Anything but a regular file (a directory, a FIFO, a device, a
// socket) is refused without blocking: the open itself does not wait
// (O_NONBLOCK), and fstat checks the type before anything is read. A file
// over limit is refused before it is read. Every refusal is bad input.
// The file's fstat is returned with it: its mode is the opened file's,
// whatever the path names by then.
func openRegular(p string, limit int64) (*os.File, os.FileInfo, error) {
	f, err := os.OpenFile(p, openFlags, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", anchor.ErrBadInput, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%w: %w", anchor.ErrBadInput, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%w: %s is not a regular file (%s)", anchor.ErrBadInput, p, fileType(st.Mode()))
	}
	if st.Size() > limit {
		f.Close()
		return nil, nil, fmt.Errorf("%w: %s holds %d bytes, more than the limit of %d", anchor.ErrBadInput, p, st.Size(), limit)
	}
	if err := clearNonblock(f); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%w: %s: %w", anchor.ErrBadInput, p, err)
	}
	return f, st, nil
}

// bounded reads r up to one byte past limit, which tells a file that grew
// past the limit from one of exactly limit bytes. A limit of
// math.MaxInt64 reads r to its end: limit+1 would wrap around to a
// negative count, and a LimitReader with one reads nothing at all (the
// digest of no bytes for any file).
func bounded(r io.Reader, limit int64) io.Reader {
	if limit < math.MaxInt64 {
		limit++
	}
	return io.LimitReader(r, limit)
}

func fileType(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "type " + m.Type().String()
}

// ReadRegular reads the whole regular file at p if it holds at most limit
// bytes (also if it grows while being read).
func ReadRegular(p string, limit int64) ([]byte, error) {
	f, _, err := openRegular(p, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(bounded(f, limit))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", anchor.ErrBadInput, p, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: %s grew past the limit of %d bytes while being read", anchor.ErrBadInput, p, limit)
	}
	return data, nil
}

// DigestFile returns the digest by alg (anchor.SHA256, SHA384 or SHA512)
// of the regular file at p, of at most limit bytes, and its size.
func DigestFile(p, alg string, limit int64) ([]byte, int64, error) {
	var h hash.Hash
	switch alg {
	case anchor.SHA256:
		h = sha256.New()
	case anchor.SHA384:
		h = sha512.New384()
	case anchor.SHA512:
		h = sha512.New()
	default:
		return nil, 0, fmt.Errorf("%w: digest algorithm %q", anchor.ErrBadInput, alg)
	}
	f, _, err := openRegular(p, limit)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	n, err := io.Copy(h, bounded(f, limit))
	if err != nil {
		return nil, 0, fmt.Errorf("%w: reading %s: %w", anchor.ErrBadInput, p, err)
	}
	if n > limit {
		return nil, 0, fmt.Errorf("%w: %s grew past the limit of %d bytes while being read", anchor.ErrBadInput, p, limit)
	}
	return h.Sum(nil), n, nil
}

// EvidenceName is the name an added file gets in the journal and its
// receipt: the path as given on the command line, cleaned, with forward
// slashes, so that two files of one base name in different folders stay
// apart and a receipt reads the same on every system.
func EvidenceName(p string) string { return filepath.ToSlash(filepath.Clean(p)) }

// mediaTypes is the fixed table MediaType reads. It is built in rather
// than taken from mime.TypeByExtension, which also reads the system's
// mime.types files: the media type is part of every leaf, so the same
// file must get the same one on every machine.
var mediaTypes = map[string]string{
	".txt":    "text/plain",
	".log":    "text/plain",
	".md":     "text/markdown",
	".csv":    "text/csv",
	".html":   "text/html",
	".htm":    "text/html",
	".css":    "text/css",
	".js":     "text/javascript",
	".mjs":    "text/javascript",
	".json":   "application/json",
	".jsonl":  "application/jsonl",
	".xml":    "application/xml",
	".yaml":   "application/yaml",
	".yml":    "application/yaml",
	".pdf":    "application/pdf",
	".zip":    "application/zip",
	".gz":     "application/gzip",
	".tgz":    "application/gzip",
	".tar":    "application/x-tar",
	".wasm":   "application/wasm",
	".png":    "image/png",
	".jpg":    "image/jpeg",
	".jpeg":   "image/jpeg",
	".gif":    "image/gif",
	".svg":    "image/svg+xml",
	".webp":   "image/webp",
	".mp4":    "video/mp4",
	".sig":    "application/octet-stream",
	".pem":    "application/x-pem-file",
	".spdx":   "text/spdx",
	".intoto": "application/vnd.in-toto+json",
}

// MediaType guesses a file's media type from its extension (case
// insensitive), application/octet-stream when it does not know it. It is
// a label in the receipt, not a claim about the content.
func MediaType(p string) string {
	if t, ok := mediaTypes[strings.ToLower(filepath.Ext(p))]; ok {
		return t
	}
	return "application/octet-stream"
}

// receiptFileName is the file a receipt is written to: the item's number,
// zero-padded so that a listing sorts in order, and its name's last
// element with every byte outside [A-Za-z0-9._-] made "_", at most 100
// bytes of it.
func receiptFileName(item anchor.ItemID, name string) string {
	base := path.Base(name)
	var b strings.Builder
	for i := 0; i < len(base) && b.Len() < 100; i++ {
		c := base[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' {
			b.WriteByte(c)
		} else {
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if s == "" {
		s = "item"
	}
	return fmt.Sprintf("%08d-%s.receipt.json", uint64(item), s)
}
