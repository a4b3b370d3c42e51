package release

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/internal/localfile"
	intotov1 "github.com/in-toto/attestation/go/v1"
)

// The limits [Build] and [Check] apply when their options leave
// them zero.
const (
	DefaultMaxFiles    = 10000
	DefaultMaxFileSize = 256 << 20
	DefaultMaxHTMLSize = 8 << 20
)

// Options tunes [Build]. The zero value is a safe default.
type Options struct {
	// Integrity is the algorithm of the integrity attributes and manifest
	// SRI strings: SHA256, SHA384 or SHA512. Zero means SHA384.
	Integrity attest.Algorithm
	// ModTime, if not zero, is the modification time given to every file
	// and folder written, typically from SOURCE_DATE_EPOCH
	// ([SourceDateEpoch]). Zero leaves the times the file system sets.
	ModTime time.Time
	// MaxFiles bounds the files in the dist folder; 0 means
	// [DefaultMaxFiles].
	MaxFiles int
	// MaxFileSize bounds each file, in bytes; 0 means [DefaultMaxFileSize].
	MaxFileSize int64
	// MaxHTMLSize bounds each HTML page, which is read into memory to be
	// rewritten; 0 means [DefaultMaxHTMLSize].
	MaxHTMLSize int64
}

func (o Options) limits() (maxFiles int, maxFile, maxHTML int64) {
	maxFiles, maxFile, maxHTML = o.MaxFiles, o.MaxFileSize, o.MaxHTMLSize
	if maxFiles <= 0 {
		maxFiles = DefaultMaxFiles
	}
	if maxFile <= 0 {
		maxFile = DefaultMaxFileSize
	}
	if maxHTML <= 0 {
		maxHTML = DefaultMaxHTMLSize
	}
	return
}

// Unrewritten is a reference of a page that [Build] left as it was, and
// why: a <script src> or <link href> the rewriter did not rewrite, or
// another subresource a browser loads that is not a file of the release
// (see the package documentation, section Building a release).
type Unrewritten struct {
	// Page is the HTML file's path in the dist folder.
	Page string `json:"page"`
	// Element is "script" or "link" for what the rewriter left; for what
	// only the browser's parse finds, the element's local name, prefixed
	// "svg:" or "math:" outside HTML ("iframe", "svg:script", "style" for
	// an @import).
	Element string `json:"element"`
	// Ref is the URL attribute's value (or @import URL), surrounding
	// whitespace trimmed.
	Ref string `json:"ref"`
	// Reason says why it was left alone, e.g. "not in the release".
	Reason string `json:"reason"`
}

// Result is what [Build] wrote.
type Result struct {
	// Dir is the release folder.
	Dir string
	// Manifest is the manifest written to release-manifest.json.
	Manifest *Manifest
	// Statement is the unsigned statement written to release.intoto.json.
	Statement *intotov1.Statement
	// Unrewritten lists the page references left alone, by page path;
	// within a page, the rewriter's in document order, then those only
	// the browser's parse finds, in tree order.
	Unrewritten []Unrewritten
}

// SourceDateEpoch parses the value of the SOURCE_DATE_EPOCH variable
// (https://reproducible-builds.org/specs/source-date-epoch/): "" gives
// the zero time, a decimal count of seconds since 1970 gives that time in
// UTC, anything else is an error wrapping [attest.ErrBadInput].
func SourceDateEpoch(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > 253402300799 || strings.TrimLeft(v, "0123456789") != "" {
		return time.Time{}, fmt.Errorf("%w: SOURCE_DATE_EPOCH=%q is not a count of seconds", attest.ErrBadInput, v)
	}
	return time.Unix(n, 0).UTC(), nil
}

// Build builds a release folder at dst from the dist folder src (see
// the package documentation, section Releases): content-addressed copies,
// rewritten pages, release-manifest.json and release.intoto.json, whose
// predicate is p. version is the release version ("1.0.1" or "v1.0.1").
//
// dst must not exist. The folder is built beside it and renamed into
// place when complete; on error nothing is left at dst. Errors caused by
// the input (a symbolic link in src, a file over a limit, a page with
// <base href>, two files that would be released at the same path) wrap
// [attest.ErrBadInput].
//
// Each rewritten page is parsed as a browser parses it before it is
// written. A page that would load a file of the release without the
// manifest's integrity (an SVG <script href>, a script in an <iframe
// srcdoc>, an inline @import, …) fails Build with an error wrapping
// [ErrUnpinned]: the release holds that file only under its
// content-addressed name, so listing the reference would release a page
// that is broken, unpinned, and fails verification once served. What the
// browser loads from elsewhere is listed in Result.Unrewritten, as the
// rewriter's own absolute URLs are.
func Build(ctx context.Context, src, dst, version string, p intoto.Predicate, opts Options) (res *Result, err error) {
	version = strings.TrimPrefix(version, "v")
	if err := checkVersion(version); err != nil {
		return nil, fmt.Errorf("%w: release: %w", attest.ErrBadInput, err)
	}
	if p == nil {
		return nil, fmt.Errorf("%w: release: nil predicate", attest.ErrBadInput)
	}
	alg := opts.Integrity
	if alg == "" {
		alg = attest.SHA384
	}
	if alg.Size() == 0 {
		return nil, fmt.Errorf("%w: release: integrity algorithm %q", attest.ErrBadInput, alg)
	}
	if _, err := os.Lstat(dst); err == nil {
		return nil, fmt.Errorf("%w: release: %s already exists", attest.ErrBadInput, dst)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("attest: release: %w", err)
	}
	in, err := os.OpenRoot(src)
	if err != nil {
		return nil, fmt.Errorf("%w: release: %w", attest.ErrBadInput, err)
	}
	defer in.Close()

	files, err := listDist(ctx, in, opts)
	if err != nil {
		return nil, err
	}

	dstAbs, err := filepath.Abs(dst)
	if err != nil {
		return nil, fmt.Errorf("attest: release: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dstAbs), "."+filepath.Base(dstAbs)+".partial-")
	if err != nil {
		return nil, fmt.Errorf("attest: release: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	out, err := os.OpenRoot(tmp)
	if err != nil {
		return nil, fmt.Errorf("attest: release: %w", err)
	}
	defer out.Close()

	b := &builder{ctx: ctx, in: in, out: out, version: version, alg: alg, opts: opts,
		byPath: map[string]*ManifestFile{}, byContent: map[string]*ManifestFile{}}
	if err := b.build(files); err != nil {
		return nil, err
	}
	m := &Manifest{Version: version}
	for _, f := range files {
		m.Files = append(m.Files, *b.byPath[f])
	}
	mb, err := FormatManifest(m)
	if err != nil {
		return nil, fmt.Errorf("attest: release: %w", err) // an internal inconsistency
	}
	if err := b.write(ManifestName, mb); err != nil {
		return nil, err
	}
	subjects := []intoto.Subject{{Name: ManifestName, Digests: attest.MeasureBytes(mb)}}
	for _, f := range m.Files {
		subjects = append(subjects, intoto.Subject{Name: f.ContentPath, Digests: f.Digests})
		if f.EntryPoint {
			subjects = append(subjects, intoto.Subject{Name: f.Path, Digests: f.Digests})
		}
	}
	sort.Slice(subjects, func(i, j int) bool { return subjects[i].Name < subjects[j].Name })
	st, err := intoto.NewStatement(p, subjects...)
	if err != nil {
		return nil, fmt.Errorf("attest: release: %w", err)
	}
	sb, err := intoto.MarshalStatement(st)
	if err != nil {
		return nil, fmt.Errorf("attest: release: %w", err)
	}
	if err := b.write(StatementName, sb); err != nil {
		return nil, err
	}
	if err := finishTree(tmp, opts.ModTime); err != nil {
		return nil, fmt.Errorf("attest: release: %w", err)
	}
	if err := os.Rename(tmp, dstAbs); err != nil {
		return nil, fmt.Errorf("attest: release: %w", err)
	}
	return &Result{Dir: dst, Manifest: m, Statement: st, Unrewritten: b.left}, nil
}

// listDist returns the regular files of the dist folder, sorted, refusing
// symbolic links, special files, reserved names and too many files.
func listDist(ctx context.Context, in *os.Root, opts Options) ([]string, error) {
	maxFiles, _, _ := opts.limits()
	var files []string
	err := fs.WalkDir(in.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("attest: release: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			return fmt.Errorf("%w: release: %s is a symbolic link", attest.ErrBadInput, p)
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("%w: release: %s is not a regular file", attest.ErrBadInput, p)
		case p == ManifestName || p == StatementName || p == BundleName:
			return fmt.Errorf("%w: release: %s is a name the release itself uses", attest.ErrBadInput, p)
		case !validPath(p):
			return fmt.Errorf("%w: release: %q cannot be released", attest.ErrBadInput, p)
		}
		files = append(files, p)
		if len(files) > maxFiles {
			return fmt.Errorf("%w: release: more than %d files", attest.ErrBadInput, maxFiles)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: release: no file to release", attest.ErrBadInput)
	}
	sort.Strings(files)
	return files, nil
}

type builder struct {
	ctx     context.Context
	in, out *os.Root
	version string
	alg     attest.Algorithm
	opts    Options
	byPath  map[string]*ManifestFile
	// byContent is byPath by content path.
	byContent map[string]*ManifestFile
	pages     map[string]bool // every HTML file of the dist folder
	left      []Unrewritten
}

func (b *builder) build(files []string) error {
	_, maxFile, maxHTML := b.opts.limits()
	b.pages = map[string]bool{}
	for _, p := range files {
		if isHTML(p) {
			b.pages[p] = true
		}
	}
	// Every file but the pages first: the pages name them.
	for _, p := range files {
		if isHTML(p) {
			continue
		}
		if err := b.ctx.Err(); err != nil {
			return err
		}
		if err := b.copyFile(p, maxFile); err != nil {
			return err
		}
	}
	for _, p := range files {
		if !isHTML(p) {
			continue
		}
		if err := b.ctx.Err(); err != nil {
			return err
		}
		page, err := b.readAll(p, maxHTML)
		if err != nil {
			return err
		}
		out, left, err := rewritePage(page, func(ref string) (string, string, string, bool) {
			return b.target(p, ref)
		})
		if err != nil {
			return fmt.Errorf("attest: release: %s: %w", p, err)
		}
		for i := range left {
			left[i].Page = p
		}
		more, err := b.checkPinned(p, out, left)
		if err != nil {
			return err
		}
		b.left = append(b.left, left...)
		b.left = append(b.left, more...)
		d := attest.MeasureBytes(out)
		f, err := b.entry(p, d)
		if err != nil {
			return err
		}
		f.EntryPoint = true
		if err := b.write(p, out); err != nil {
			return err
		}
		if err := b.write(f.ContentPath, out); err != nil {
			return err
		}
	}
	return nil
}

// target resolves a reference of the page at page to a released file.
func (b *builder) target(page, ref string) (newRef, integrity, reason string, ok bool) {
	f, reason := resolveRef(page, ref, func(p string) (*ManifestFile, bool) {
		if b.pages[p] {
			return &ManifestFile{Path: p, EntryPoint: true}, true // perhaps not rewritten yet
		}
		f, ok := b.byPath[p]
		return f, ok
	})
	if f == nil {
		return "", "", reason, false
	}
	if f.EntryPoint {
		return "", "", "HTML files keep their names", false
	}
	return ref[:strings.LastIndexByte(ref, '/')+1] + url.PathEscape(path.Base(f.ContentPath)), f.Integrity, "", true
}

// resolveRef resolves ref, a reference in the page at page, to a file of
// the release, or returns the reason it names none.
func resolveRef(page, ref string, lookup func(string) (*ManifestFile, bool)) (*ManifestFile, string) {
	if ref == "" {
		return nil, "empty reference"
	}
	u, err := url.Parse(ref)
	switch {
	case err != nil:
		return nil, "not a URL"
	case u.Scheme != "" || u.Host != "" || u.User != nil || strings.HasPrefix(ref, "//"):
		return nil, "absolute URL"
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(ref, "?#"):
		return nil, "has a query or fragment"
	case u.Path == "" || strings.HasSuffix(u.Path, "/"):
		return nil, "not a file"
	}
	var t string
	if strings.HasPrefix(u.Path, "/") {
		t = path.Clean(u.Path[1:])
	} else {
		t = path.Join(path.Dir(page), u.Path)
	}
	if !validPath(t) {
		return nil, "outside the release"
	}
	f, ok := lookup(t)
	if !ok {
		return nil, "not in the release"
	}
	return f, ""
}

// entry records the manifest entry of the file at p with digests d.
func (b *builder) entry(p string, d attest.Digests) (*ManifestFile, error) {
	cp, err := contentPath(p, b.version, d)
	if err != nil {
		return nil, fmt.Errorf("%w: release: %s: %w", attest.ErrBadInput, p, err)
	}
	f := &ManifestFile{Path: p, ContentPath: cp, Digests: d, Integrity: attest.FormatIntegrity(d, b.alg)}
	b.byPath[p] = f
	b.byContent[cp] = f
	return f, nil
}

// copyFile copies a file that is not a page to a temporary name in the
// output, measuring it on the way, then renames it to its content path:
// the bytes named are the bytes copied, even if the source changes.
func (b *builder) copyFile(p string, limit int64) error {
	r, err := b.in.Open(p)
	if err != nil {
		return fmt.Errorf("attest: release: %w", err)
	}
	defer r.Close()
	if err := b.mkdir(path.Dir(p)); err != nil {
		return err
	}
	tmp := path.Join(path.Dir(p), ".partial-"+strconv.Itoa(len(b.byPath)))
	w, err := b.out.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("attest: release: %w", err)
	}
	lr := localfile.LimitReader(r, limit)
	d, err := attest.Measure(io.TeeReader(lr, w))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("attest: release: %s: %w", p, err)
	}
	if d.Size > limit {
		return fmt.Errorf("%w: release: %s is larger than %d bytes", attest.ErrBadInput, p, limit)
	}
	f, err := b.entry(p, d)
	if err != nil {
		return err
	}
	if _, err := b.out.Lstat(f.ContentPath); err == nil {
		return fmt.Errorf("%w: release: two files would be released as %s", attest.ErrBadInput, f.ContentPath)
	}
	if err := b.out.Rename(tmp, f.ContentPath); err != nil {
		return fmt.Errorf("attest: release: %w", err)
	}
	return nil
}

func (b *builder) readAll(p string, limit int64) ([]byte, error) {
	r, err := b.in.Open(p)
	if err != nil {
		return nil, fmt.Errorf("attest: release: %w", err)
	}
	defer r.Close()
	data, err := io.ReadAll(localfile.LimitReader(r, limit))
	if err != nil {
		return nil, fmt.Errorf("attest: release: %s: %w", p, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: release: HTML file %s is larger than %d bytes", attest.ErrBadInput, p, limit)
	}
	return data, nil
}

func (b *builder) mkdir(dir string) error {
	if dir == "." {
		return nil
	}
	if err := b.out.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("attest: release: %w", err)
	}
	return nil
}

// write creates the file at p in the output; a file already there is an
// error wrapping ErrBadInput (two files released at one path).
func (b *builder) write(p string, data []byte) error {
	if err := b.mkdir(path.Dir(p)); err != nil {
		return err
	}
	w, err := b.out.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: release: two files would be released as %s", attest.ErrBadInput, p)
	}
	if err != nil {
		return fmt.Errorf("attest: release: %w", err)
	}
	_, err = w.Write(data)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("attest: release: %w", err)
	}
	return nil
}

// finishTree sets modes (0644 files, 0755 folders) and, if mtime is not
// zero, modification times, folders after their contents.
func finishTree(dir string, mtime time.Time) error {
	var dirs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, p)
			return os.Chmod(p, 0o755)
		}
		if err := os.Chmod(p, 0o644); err != nil {
			return err
		}
		if !mtime.IsZero() {
			return os.Chtimes(p, mtime, mtime)
		}
		return nil
	})
	if err != nil || mtime.IsZero() {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Chtimes(dirs[i], mtime, mtime); err != nil {
			return err
		}
	}
	return nil
}
