package release

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/ats-run/selfattest/attest"
)

// ManifestSchemaV1 is the schema URI of a release manifest.
const ManifestSchemaV1 = "https://github.com/ats-run/selfattest/release-manifest/v1"

// The names of the two files [Build] writes at the root of a release
// folder besides the released files.
const (
	ManifestName  = "release-manifest.json"
	StatementName = "release.intoto.json"
	// BundleName is where the statement's Sigstore bundle goes when it is
	// signed (package signing; examples/release): a release folder may hold
	// it, and Check leaves its checking to a verifier.
	BundleName = "release.intoto.sigstore.json"
)

// MaxManifestSize is the largest manifest, in bytes, [ParseManifest] reads.
const MaxManifestSize = 32 << 20

// Manifest lists the files of a release (see the package documentation,
// section Releases, for its JSON form).
type Manifest struct {
	// Version is the release version, without a leading "v".
	Version string
	// Files holds one entry per released file, sorted by Path.
	Files []ManifestFile
}

// ManifestFile is one released file.
type ManifestFile struct {
	// Path is the file's path in the dist folder, "/"-separated.
	Path string
	// ContentPath is where its content-addressed copy is.
	ContentPath string
	// EntryPoint reports that the file is also at Path (an HTML page).
	EntryPoint bool
	// Digests are those of the released bytes, Size included.
	Digests attest.Digests
	// Integrity is the Subresource Integrity string of those bytes.
	Integrity string
}

type manifestJSON struct {
	Schema  string             `json:"schema"`
	Version string             `json:"version"`
	Files   []manifestFileJSON `json:"files"`
}

type manifestFileJSON struct {
	Path        string        `json:"path"`
	ContentPath string        `json:"content_path"`
	EntryPoint  bool          `json:"entry_point,omitempty"`
	Size        int64         `json:"size"`
	Digests     digestSetJSON `json:"digests"`
	Integrity   string        `json:"integrity"`
}

type digestSetJSON struct {
	SHA256 string `json:"sha256"`
	SHA384 string `json:"sha384"`
	SHA512 string `json:"sha512"`
}

// FormatManifest returns m as JSON: two-space indentation, fields in the
// documented order, a final newline. It checks m first, as [ParseManifest]
// would; errors wrap [attest.ErrBadInput].
func FormatManifest(m *Manifest) ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	return formatManifest(m), nil
}

func formatManifest(m *Manifest) []byte {
	j := manifestJSON{Schema: ManifestSchemaV1, Version: m.Version, Files: []manifestFileJSON{}}
	for _, f := range m.Files {
		j.Files = append(j.Files, manifestFileJSON{
			Path:        f.Path,
			ContentPath: f.ContentPath,
			EntryPoint:  f.EntryPoint,
			Size:        f.Digests.Size,
			Digests:     digestSetJSON{f.Digests.Hex(attest.SHA256), f.Digests.Hex(attest.SHA384), f.Digests.Hex(attest.SHA512)},
			Integrity:   f.Integrity,
		})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(j); err != nil {
		// Only strings, bools and integers: encoding cannot fail.
		panic("attest: encoding a manifest: " + err.Error())
	}
	return buf.Bytes()
}

// ParseManifest reads a manifest [FormatManifest] wrote. It refuses input
// over [MaxManifestSize], any other schema, unknown fields, and anything
// FormatManifest would not write back byte for byte (a key twice or in
// another case, other spacing, other field order, upper-case hex). It
// checks the manifest is consistent with itself — paths clean, relative
// and sorted, no output path twice, every content path the
// [attest.ContentName] of its file, every integrity string the digest it names,
// entry points exactly the HTML files — but not that any file exists: that
// is [Check]'s work. Errors wrap [attest.ErrBadInput].
func ParseManifest(data []byte) (*Manifest, error) {
	if len(data) > MaxManifestSize {
		return nil, fmt.Errorf("%w: manifest: %d bytes is over the limit of %d", attest.ErrBadInput, len(data), MaxManifestSize)
	}
	var j manifestJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("%w: manifest: %w", attest.ErrBadInput, err)
	}
	if j.Schema != ManifestSchemaV1 {
		return nil, fmt.Errorf("%w: manifest: schema %q, want %q", attest.ErrBadInput, j.Schema, ManifestSchemaV1)
	}
	m := &Manifest{Version: j.Version}
	for i, f := range j.Files {
		mf := ManifestFile{Path: f.Path, ContentPath: f.ContentPath, EntryPoint: f.EntryPoint, Integrity: f.Integrity}
		mf.Digests.Size = f.Size
		for _, d := range []struct {
			alg attest.Algorithm
			hex string
		}{{attest.SHA256, f.Digests.SHA256}, {attest.SHA384, f.Digests.SHA384}, {attest.SHA512, f.Digests.SHA512}} {
			dst := mf.Digests.Sum(d.alg)
			if len(d.hex) != 2*len(dst) || !isLowerHex(d.hex) {
				return nil, fmt.Errorf("%w: manifest: file %d: %s: want %d lower-case hex digits", attest.ErrBadInput, i, d.alg, 2*len(dst))
			}
			hex.Decode(dst, []byte(d.hex)) // checked above: cannot fail
		}
		m.Files = append(m.Files, mf)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	if !bytes.Equal(formatManifest(m), data) {
		return nil, fmt.Errorf("%w: manifest: not in the canonical form FormatManifest writes", attest.ErrBadInput)
	}
	return m, nil
}

// check holds m to the rules ParseManifest documents.
func (m *Manifest) check() error {
	if m == nil {
		return fmt.Errorf("%w: manifest: nil", attest.ErrBadInput)
	}
	if err := checkVersion(m.Version); err != nil || strings.HasPrefix(m.Version, "v") {
		return fmt.Errorf("%w: manifest: version %q: not a version without a leading v", attest.ErrBadInput, m.Version)
	}
	outputs := map[string]bool{ManifestName: true, StatementName: true}
	claim := func(p string) error {
		if outputs[p] {
			return fmt.Errorf("%w: manifest: %q is released twice", attest.ErrBadInput, p)
		}
		outputs[p] = true
		return nil
	}
	for i, f := range m.Files {
		if !validPath(f.Path) {
			return fmt.Errorf("%w: manifest: file %d: path %q is not a clean relative path", attest.ErrBadInput, i, f.Path)
		}
		if i > 0 && m.Files[i-1].Path >= f.Path {
			return fmt.Errorf("%w: manifest: file %d: path %q not after %q", attest.ErrBadInput, i, f.Path, m.Files[i-1].Path)
		}
		if f.Digests.Size < 0 {
			return fmt.Errorf("%w: manifest: %s: negative size", attest.ErrBadInput, f.Path)
		}
		want, err := contentPath(f.Path, m.Version, f.Digests)
		if err != nil {
			return fmt.Errorf("%w: manifest: %s: %w", attest.ErrBadInput, f.Path, err)
		}
		if f.ContentPath != want {
			return fmt.Errorf("%w: manifest: %s: content path %q, want %q", attest.ErrBadInput, f.Path, f.ContentPath, want)
		}
		if f.EntryPoint != isHTML(f.Path) {
			return fmt.Errorf("%w: manifest: %s: entry_point is %v", attest.ErrBadInput, f.Path, f.EntryPoint)
		}
		if err := checkIntegrityString(f.Integrity, f.Digests); err != nil {
			return fmt.Errorf("%w: manifest: %s: %w", attest.ErrBadInput, f.Path, err)
		}
		if err := claim(f.ContentPath); err != nil {
			return err
		}
		if f.EntryPoint {
			if err := claim(f.Path); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkIntegrityString requires s to be exactly one SRI token, of
// FormatIntegrity's spelling, for d.
func checkIntegrityString(s string, d attest.Digests) error {
	for _, a := range attest.Algorithms {
		if s == attest.FormatIntegrity(d, a) {
			return nil
		}
	}
	return fmt.Errorf("integrity %q is not the sha256, sha384 or sha512 of the file", s)
}

// contentPath is where the content-addressed copy of the file at p goes.
func contentPath(p, version string, d attest.Digests) (string, error) {
	dir, base := path.Split(p)
	name, err := attest.ContentName(base, version, d)
	if err != nil {
		return "", err
	}
	return dir + name, nil
}

// validPath reports whether p is a clean, relative, "/"-separated path
// with no empty, "." or ".." element and no backslash or NUL.
func validPath(p string) bool {
	if p == "" || len(p) > 4096 || strings.ContainsAny(p, "\\\x00") || path.Clean(p) != p || path.IsAbs(p) {
		return false
	}
	for _, e := range strings.Split(p, "/") {
		if e == "" || e == "." || e == ".." {
			return false
		}
	}
	return true
}

// isHTML reports whether the file at p is an HTML page by its extension.
func isHTML(p string) bool {
	ext := strings.ToLower(path.Ext(p))
	return ext == ".html" || ext == ".htm"
}

// checkVersion refuses a version [attest.ContentName] refuses.
func checkVersion(v string) error {
	_, err := attest.ContentName("x", v, attest.Digests{})
	return err
}

// isLowerHex reports whether s holds only lower-case hex digits.
func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
