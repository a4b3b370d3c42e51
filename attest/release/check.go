package release

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"sort"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/internal/localfile"
)

// CheckOptions tunes [Check]. The zero value is a safe default.
type CheckOptions struct {
	// MaxFiles bounds the files in the release folder, manifest and
	// statement excluded; 0 means 2×[DefaultMaxFiles] (a page is there
	// twice).
	MaxFiles int
	// MaxFileSize bounds each file; 0 means [DefaultMaxFileSize].
	MaxFileSize int64
	// MaxHTMLSize bounds each page, read into memory to be scanned; 0 means
	// [DefaultMaxHTMLSize].
	MaxHTMLSize int64
}

// Check checks a release folder [Build] wrote against its
// manifest and statement, recomputing every digest, and returns the
// manifest if everything matches (see the package documentation, section
// Checking a release). A rejection is a [*MismatchError] wrapping
// [ErrMismatch]; a folder that cannot be opened is an error
// wrapping [attest.ErrBadInput]; any other error (a read failing) means the check
// did not run to its end.
//
// Check proves the folder is consistent, not who made it: a forger
// who rewrites files, manifest and statement together passes. Verify the
// statement's signature for that.
func Check(ctx context.Context, dir string, opts CheckOptions) (*Manifest, error) {
	maxFiles, maxFile, maxHTML := opts.MaxFiles, opts.MaxFileSize, opts.MaxHTMLSize
	if maxFiles <= 0 {
		maxFiles = 2 * DefaultMaxFiles
	}
	if maxFile <= 0 {
		maxFile = DefaultMaxFileSize
	}
	if maxHTML <= 0 {
		maxHTML = DefaultMaxHTMLSize
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: check release: %w", attest.ErrBadInput, err)
	}
	defer root.Close()
	c := &checker{ctx: ctx, root: root, maxFile: maxFile}

	mb, err := c.read(ManifestName, MaxManifestSize)
	if err != nil {
		return nil, err
	}
	m, err := ParseManifest(mb)
	if err != nil {
		return nil, &MismatchError{Path: ManifestName, Problem: "manifest does not parse", Err: err}
	}

	// The folder holds exactly what the manifest lists.
	want := map[string]attest.Digests{ManifestName: attest.MeasureBytes(mb)}
	for i := range m.Files {
		f := &m.Files[i]
		want[f.ContentPath] = f.Digests
		if f.EntryPoint {
			want[f.Path] = f.Digests
		}
	}
	var found []string
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("attest: check release: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return &MismatchError{Path: p, Problem: "not a regular file"}
		case p == StatementName || p == BundleName:
			return nil
		}
		if _, ok := want[p]; !ok {
			return &MismatchError{Path: p, Problem: "file not in the manifest"}
		}
		found = append(found, p)
		if len(found) > maxFiles+1 {
			return &MismatchError{Path: p, Problem: fmt.Sprintf("more than %d files", maxFiles)}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(found) != len(want) {
		seen := map[string]bool{}
		for _, p := range found {
			seen[p] = true
		}
		var missing []string
		for p := range want {
			if !seen[p] {
				missing = append(missing, p)
			}
		}
		sort.Strings(missing)
		return nil, &MismatchError{Path: missing[0], Problem: "missing"}
	}

	// Every file is what the manifest says.
	for _, p := range sortedKeys(want) {
		if p == ManifestName {
			continue
		}
		if err := c.measure(p, want[p]); err != nil {
			return nil, err
		}
	}

	// Every page's references to released files carry a matching integrity,
	// read by the tokenizer the rewriter uses and by a browser's parse.
	// view.byContent holds every released file but the pages, which keep
	// their names and carry no integrity.
	view := releaseView(m)
	for _, f := range m.Files {
		if !f.EntryPoint {
			continue
		}
		page, err := c.read(f.Path, maxHTML)
		if err != nil {
			return nil, err
		}
		if attest.MeasureBytes(page) != f.Digests {
			return nil, &MismatchError{Path: f.Path, Problem: "changed while being checked"}
		}
		refs, err := scanPage(page)
		if err != nil {
			return nil, &MismatchError{Path: f.Path, Problem: "page cannot be scanned", Err: err}
		}
		for _, r := range refs {
			t, _ := resolveRef(f.Path, r.ref, func(p string) (*ManifestFile, bool) {
				t, ok := view.byContent[p]
				return t, ok
			})
			if t == nil {
				continue
			}
			what := fmt.Sprintf("<%s> %s", r.tag, r.ref)
			if !r.hasIntegrity {
				return nil, &MismatchError{Path: f.Path, Problem: what + " has no integrity attribute", Expected: t.Integrity}
			}
			if err := attest.ParseIntegrity(r.integrity).Match(t.Digests); err != nil {
				return nil, &MismatchError{Path: f.Path, Problem: what + ": integrity does not match the file",
					Expected: t.Integrity, Actual: r.integrity, Err: err}
			}
		}
		if err := view.checkAsBrowser(f.Path, page); err != nil {
			return nil, err
		}
	}

	// The statement names every file with its digests, and nothing else.
	sb, err := c.read(StatementName, intoto.MaxStatementSize)
	if err != nil {
		return nil, err
	}
	st, err := intoto.ParseStatement(sb)
	if err != nil {
		return nil, &MismatchError{Path: StatementName, Problem: "statement does not parse", Err: err}
	}
	names := sortedKeys(want)
	subj := st.GetSubject()
	for i, s := range subj {
		if i > 0 && subj[i-1].GetName() >= s.GetName() {
			return nil, &MismatchError{Path: StatementName, Problem: "subjects not sorted or named twice", Actual: s.GetName()}
		}
		d, ok := want[s.GetName()]
		if !ok {
			return nil, &MismatchError{Path: StatementName, Problem: "subject not in the release", Actual: s.GetName()}
		}
		want256, want512 := d.Hex(attest.SHA256), d.Hex(attest.SHA512)
		if len(s.GetDigest()) != 2 || s.GetDigest()["sha256"] != want256 || s.GetDigest()["sha512"] != want512 {
			return nil, &MismatchError{Path: StatementName, Problem: "digests of subject " + s.GetName() + " differ",
				Expected: "sha256:" + want256, Actual: "sha256:" + s.GetDigest()["sha256"]}
		}
	}
	if len(subj) != len(names) {
		return nil, &MismatchError{Path: StatementName, Problem: "subjects do not list every file",
			Expected: fmt.Sprint(len(names)), Actual: fmt.Sprint(len(subj))}
	}
	return m, nil
}

type checker struct {
	ctx     context.Context
	root    *os.Root
	maxFile int64
}

// read reads the file at p, at most limit bytes; a missing file or one
// over the limit is a rejection.
func (c *checker) read(p string, limit int64) ([]byte, error) {
	f, err := c.open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(localfile.LimitReader(f, limit))
	if err != nil {
		return nil, fmt.Errorf("attest: check release: %s: %w", p, err)
	}
	if int64(len(data)) > limit {
		return nil, &MismatchError{Path: p, Problem: fmt.Sprintf("larger than %d bytes", limit)}
	}
	return data, nil
}

// open opens the regular file at p; the callers bound what they read. A
// FIFO or a device where the manifest names a file is refused without
// waiting on it.
func (c *checker) open(p string) (*localfile.File, error) {
	if err := c.ctx.Err(); err != nil {
		return nil, err
	}
	f, err := localfile.OpenIn(c.root, p, math.MaxInt64)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &MismatchError{Path: p, Problem: "missing"}
	}
	var le *localfile.Error
	if errors.As(err, &le) && le.Kind == localfile.KindNotRegular {
		return nil, &MismatchError{Path: p, Problem: "not a regular file"}
	}
	if err != nil {
		return nil, fmt.Errorf("attest: check release: %w", err)
	}
	return f, nil
}

// measure checks the file at p has the digests want.
func (c *checker) measure(p string, want attest.Digests) error {
	f, err := c.open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	got, err := attest.Measure(localfile.LimitReader(f, c.maxFile))
	if err != nil {
		return fmt.Errorf("attest: check release: %s: %w", p, err)
	}
	if got.Size > c.maxFile {
		return &MismatchError{Path: p, Problem: fmt.Sprintf("larger than %d bytes", c.maxFile)}
	}
	if got.Size != want.Size {
		return &MismatchError{Path: p, Problem: "size differs", Expected: fmt.Sprint(want.Size), Actual: fmt.Sprint(got.Size)}
	}
	for _, a := range attest.Algorithms {
		if got.Hex(a) != want.Hex(a) {
			return &MismatchError{Path: p, Problem: string(a) + " differs", Expected: want.Hex(a), Actual: got.Hex(a)}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
