package tuf

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/fetcher"
	"github.com/theupdateframework/go-tuf/v2/metadata/trustedmetadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"

	"github.com/ats-run/selfattest/internal/fetch"
	"github.com/ats-run/selfattest/verify/trust"
)

// Defaults applied to zero fields of [Options].
const (
	// DefaultTarget is the name under which Sigstore's TUF repositories
	// publish the trusted root.
	DefaultTarget = "trusted_root.json"
	// DefaultTimeout bounds a whole [Refresh].
	DefaultTimeout = time.Minute
	// DefaultMaxTargetSize is the largest target accepted: the limit
	// [trust.FromFile] applies to a trusted root file.
	DefaultMaxTargetSize int64 = trust.MaxRootSize
)

// ResultSchema is the schema of [Result] in JSON.
const ResultSchema = "https://github.com/ats-run/selfattest/verify/tuf/result/v1"

// rootsDir is the directory, inside a repository's cache directory, where
// [Refresh] keeps each root version it accepted, for [Cached].
const rootsDir = "roots"

// Repository names a TUF repository and the TUF root the caller trusts
// for it. Both are required: nothing here has a default repository or
// root.
type Repository struct {
	// URL is the repository's base URL: metadata is fetched from
	// URL/timestamp.json and so on, targets from URL/targets/. It must be
	// https, or plain http to a loopback host (127.0.0.0/8, ::1,
	// localhost). For the Sigstore public-good instance it is
	// https://tuf-repo-cdn.sigstore.dev.
	URL string

	// Root is the TUF root.json to start from: the trust anchor. Newer
	// root versions are accepted only when signed by a threshold of the
	// keys of the version before (TUF's root rotation). It need not be the
	// newest, and may have expired; it must be signed by its own keys.
	Root []byte
}

// Options tunes [Refresh] and [Cached]. The zero value is safe: the
// target trusted_root.json, a one-minute limit on the whole refresh, a
// 4 MiB limit on the target, and a private HTTP transport that uses no
// proxy.
type Options struct {
	// Target is the name of the target that holds the trusted root. ""
	// means [DefaultTarget]. It must be a valid [fs.ValidPath] name.
	Target string

	// Timeout bounds the whole of [Refresh]: every request, every body,
	// the root rotations. 0 means [DefaultTimeout]; a negative value is
	// [ErrBadInput]. A deadline on the context applies as well; the
	// earlier wins. [Cached] ignores it.
	Timeout time.Duration

	// MaxTargetSize is the largest target accepted, in bytes. A target
	// whose signed length is larger is refused before it is fetched
	// ([ErrCouldNotCheck]). 0 means [DefaultMaxTargetSize]; a negative
	// value is [ErrBadInput].
	MaxTargetSize int64

	// Transport sends the HTTP requests of [Refresh]. nil means a
	// Transport private to each request, built from scratch: no proxy
	// (HTTPS_PROXY and the like are ignored), certificates checked against
	// the system roots, no connection kept after the request. A Transport
	// given here is used as is, and must honour the request's context.
	// Whatever the Transport, URLs and redirects are held to the rule of
	// [Repository].URL. [Cached] ignores it.
	Transport http.RoundTripper

	// now, if not zero, is the time metadata expiry is checked against
	// instead of the clock. Tests set it.
	now time.Time
}

// Result is what a successful [Refresh] or [Cached] verified: the trusted
// root and the TUF metadata that vouched for it. It is returned only on
// success.
type Result struct {
	// Schema is ResultSchema.
	Schema string `json:"schema"`

	// Repository is the repository URL, as given.
	Repository string `json:"repository"`

	// Target is the name of the target read, Length its length in bytes
	// and SHA256 its SHA-256 in hex, all three checked against the
	// repository's signed targets metadata.
	Target string `json:"target"`
	Length int64  `json:"length"`
	SHA256 string `json:"sha256"`

	// RootVersion, TimestampVersion, SnapshotVersion and TargetsVersion
	// are the versions of the top-level TUF metadata that vouched for the
	// target. RootVersion is the version reached from [Repository].Root by
	// root rotation.
	RootVersion      int64 `json:"root_version"`
	TimestampVersion int64 `json:"timestamp_version"`
	SnapshotVersion  int64 `json:"snapshot_version"`
	TargetsVersion   int64 `json:"targets_version"`

	// Expires is the earliest expiry of that top-level metadata. After
	// it, TUF no longer vouches for the target: [Cached] refuses it, and a
	// caller keeping TrustedRoot in memory should refresh before then.
	Expires time.Time `json:"expires"`

	// Stale is true for a result of [Cached]: the metadata was verified
	// from the cache, without asking the repository whether it is still
	// current. A key the repository has revoked since is still trusted,
	// until Expires. It is false for a result of [Refresh].
	Stale bool `json:"stale"`

	// TrustedRoot is the target, parsed. TrustedRootJSON is the target
	// exactly as the repository served it, for a caller that saves it and
	// later loads it with [trust.FromFile].
	TrustedRoot     *root.TrustedRoot `json:"-"`
	TrustedRootJSON []byte            `json:"-"`
}

// Refresh fetches the repository's TUF metadata, verifies it from
// repo.Root (root rotations, then timestamp, snapshot and targets, with
// their signatures, thresholds, versions, lengths, hashes and expiry),
// fetches the target the metadata lists, checks its length and hashes,
// and returns it parsed as a trusted root.
//
// cacheDir is the caller's directory for TUF state (created if missing):
// the metadata kept there protects the next Refresh against a repository
// that rolls back to older metadata, and lets [Cached] work offline. It
// is required; Refresh never picks one.
//
// Refresh always asks the repository: it never returns a cached root in
// place of a fresh one. A failure is a [*RefreshError] (or, for unusable
// arguments, an error wrapping [ErrBadInput]).
func Refresh(ctx context.Context, repo Repository, cacheDir string, opts Options) (*Result, error) {
	c, err := newClient(repo, cacheDir, opts)
	if err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, fmt.Errorf("%w: nil context", ErrBadInput)
	}
	if err := ctx.Err(); err != nil {
		return nil, c.error(ErrCouldNotCheck, "", context.Cause(ctx))
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	f := &httpFetcher{
		ctx:  ctx,
		base: c.base,
		opts: fetch.Options{Timeout: timeout, Transport: opts.Transport},
	}
	res, err := c.run(f, func() string { return f.last })
	if err != nil {
		return nil, err
	}
	if err := c.saveRoots(f.roots); err != nil {
		return nil, c.error(ErrCouldNotCheck, "", err)
	}
	return res, nil
}

// Cached verifies the metadata and target that an earlier [Refresh] left
// in cacheDir, from repo.Root, exactly as Refresh verifies what it
// fetches — signatures, thresholds, root rotations, versions, lengths,
// hashes, expiry — without any network access, and returns the result
// marked [Result].Stale.
//
// It is the explicit fallback for a caller that decides to go on with a
// root TUF still vouches for when the repository cannot be reached:
//
//	res, err := tuf.Refresh(ctx, repo, dir, opts)
//	if errors.Is(err, tuf.ErrCouldNotCheck) {
//		res, err = tuf.Cached(repo, dir, opts) // res.Stale is true
//	}
//
// Expired metadata is refused ([ErrVerification]); an empty or
// incomplete cache is [ErrCouldNotCheck]. Cached writes nothing but what
// go-tuf's updater writes when it starts (repo.Root, as root.json).
func Cached(repo Repository, cacheDir string, opts Options) (*Result, error) {
	c, err := newClient(repo, cacheDir, opts)
	if err != nil {
		return nil, err
	}
	c.cached = true
	if _, err := os.Stat(filepath.Join(c.dir, metadata.TIMESTAMP+".json")); err != nil {
		return nil, c.error(ErrCouldNotCheck, "", fmt.Errorf("no cached metadata for this repository: %w", err))
	}
	f := &cacheFetcher{base: c.base, dir: c.dir}
	res, err := c.run(f, func() string { return f.last })
	if err != nil {
		return nil, err
	}
	res.Stale = true
	return res, nil
}

// client holds the checked arguments of one call.
type client struct {
	repo    Repository
	base    string // repo.URL with a trailing slash
	dir     string // the repository's cache directory
	target  string
	maxSize int64
	now     time.Time
	cached  bool
}

// newClient checks the arguments common to [Refresh] and [Cached].
func newClient(repo Repository, cacheDir string, opts Options) (*client, error) {
	u, err := url.Parse(repo.URL)
	switch {
	case repo.URL == "":
		return nil, fmt.Errorf("%w: no repository URL", ErrBadInput)
	case err != nil:
		return nil, fmt.Errorf("%w: repository URL: %w", ErrBadInput, err)
	case u.Scheme != "https" && u.Scheme != "http" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "":
		// internal/fetch refuses plain http to hosts other than loopback.
		return nil, fmt.Errorf("%w: repository URL %q: want an https URL without user, query or fragment", ErrBadInput, u.Redacted())
	case len(repo.Root) == 0:
		return nil, fmt.Errorf("%w: no TUF root", ErrBadInput)
	case cacheDir == "":
		return nil, fmt.Errorf("%w: no cache directory", ErrBadInput)
	case opts.Timeout < 0:
		return nil, fmt.Errorf("%w: negative Timeout %v", ErrBadInput, opts.Timeout)
	case opts.MaxTargetSize < 0:
		return nil, fmt.Errorf("%w: negative MaxTargetSize %d", ErrBadInput, opts.MaxTargetSize)
	}
	if _, err := trustedmetadata.New(repo.Root); err != nil {
		return nil, fmt.Errorf("%w: TUF root: %w", ErrBadInput, err)
	}
	c := &client{
		repo:    repo,
		base:    strings.TrimSuffix(repo.URL, "/") + "/",
		dir:     filepath.Join(cacheDir, cacheName(u)),
		target:  opts.Target,
		maxSize: opts.MaxTargetSize,
		now:     opts.now,
	}
	if c.target == "" {
		c.target = DefaultTarget
	}
	if !fs.ValidPath(c.target) || c.target == "." || strings.Contains(c.target, `\`) {
		return nil, fmt.Errorf("%w: target name %q", ErrBadInput, c.target)
	}
	if c.maxSize == 0 {
		c.maxSize = DefaultMaxTargetSize
	}
	return c, nil
}

// cacheName is the name of a repository's directory inside the cache
// directory: its host, port and path, with every byte other than a letter,
// digit, dot or hyphen replaced by a hyphen, as in
// "tuf-repo-cdn.sigstore.dev" or "127.0.0.1-8080-repo".
func cacheName(u *url.URL) string {
	name := strings.ToLower(u.Host) + strings.TrimSuffix(u.EscapedPath(), "/")
	b := []byte(name)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			b[i] = '-'
		}
	}
	if name = strings.Trim(string(b), "."); name == "" {
		name = "repository"
	}
	return name
}

// checkCache checks the cached metadata files go-tuf's updater reads whole
// from disk, and stops on an error of its own when one does not parse:
// they are bounded by go-tuf's own limits for downloading them, and a
// file that does not parse is reported as the cache's fault, where the
// updater would report it like metadata the repository served.
func checkCache(dir string, cfg *config.UpdaterConfig) error {
	for _, f := range []struct {
		role  string
		limit int64
		parse func([]byte) error
	}{
		{metadata.TIMESTAMP, cfg.TimestampMaxLength, func(b []byte) error { _, err := metadata.Timestamp().FromBytes(b); return err }},
		{metadata.SNAPSHOT, cfg.SnapshotMaxLength, func(b []byte) error { _, err := metadata.Snapshot().FromBytes(b); return err }},
		{metadata.TARGETS, cfg.TargetsMaxLength, func(b []byte) error { _, err := metadata.Targets().FromBytes(b); return err }},
	} {
		p := filepath.Join(dir, f.role+".json")
		b, err := readFileMax(p, f.limit)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil {
			if perr := f.parse(b); perr != nil {
				err = &fs.PathError{Op: "parse", Path: p, Err: perr}
			}
		}
		if err != nil {
			return fmt.Errorf("unusable cache file (remove it): %w", err)
		}
	}
	return nil
}

// run is the TUF client workflow, common to [Refresh] and [Cached]: f
// decides where files come from, last names the file f read last.
func (c *client) run(f fetcher.Fetcher, last func() string) (*Result, error) {
	cfg, err := config.New(c.base, c.repo.Root)
	if err != nil {
		return nil, c.error(ErrBadInput, "", err)
	}
	cfg.Fetcher = f
	cfg.LocalMetadataDir = c.dir
	cfg.LocalTargetsDir = filepath.Join(c.dir, "targets")
	cfg.PrefixTargetsWithHash = true
	if err := checkCache(c.dir, cfg); err != nil {
		return nil, c.error(ErrCouldNotCheck, "", err)
	}

	up, err := updater.New(cfg) // writes repo.Root to the cache
	if err != nil {
		return nil, c.error(ErrCouldNotCheck, "", err)
	}
	if !c.now.IsZero() {
		up.UnsafeSetRefTime(c.now)
	}
	if err := up.Refresh(); err != nil {
		return nil, c.error(classify(err, ErrVerification), last(), err)
	}
	ti, err := up.GetTargetInfo(c.target)
	if err != nil {
		// With top-level metadata loaded, what is not a fetch, repository
		// or disk error is go-tuf's "target not found".
		return nil, c.error(classify(err, ErrBadInput), last(), err)
	}
	if ti.Length > c.maxSize {
		return nil, c.error(ErrCouldNotCheck, "", fmt.Errorf("target %s is %d bytes by its signed length, more than the limit of %d", c.target, ti.Length, c.maxSize))
	}

	data, err := readFileMax(filepath.Join(cfg.LocalTargetsDir, url.PathEscape(ti.Path)), ti.Length)
	if err != nil || ti.VerifyLengthHashes(data) != nil {
		// Not cached, or not the target the metadata lists now.
		if _, data, err = up.DownloadTarget(ti, "", ""); err != nil {
			return nil, c.error(classify(err, ErrVerification), last(), err)
		}
	}

	tr, err := trust.FromJSON(data)
	if err != nil {
		return nil, c.error(ErrVerification, "", fmt.Errorf("the signed target %s is not a trusted root: %w", c.target, err))
	}
	tm := up.GetTrustedMetadataSet()
	targets := tm.Targets[metadata.TARGETS]
	sum := sha256.Sum256(data)
	res := &Result{
		Schema:           ResultSchema,
		Repository:       c.repo.URL,
		Target:           c.target,
		Length:           int64(len(data)),
		SHA256:           hex.EncodeToString(sum[:]),
		RootVersion:      tm.Root.Signed.Version,
		TimestampVersion: tm.Timestamp.Signed.Version,
		SnapshotVersion:  tm.Snapshot.Signed.Version,
		TargetsVersion:   targets.Signed.Version,
		Expires:          tm.Root.Signed.Expires,
		TrustedRoot:      tr,
		TrustedRootJSON:  data,
	}
	for _, e := range []time.Time{tm.Timestamp.Signed.Expires, tm.Snapshot.Signed.Expires, targets.Signed.Expires} {
		if e.Before(res.Expires) {
			res.Expires = e
		}
	}
	res.Expires = res.Expires.UTC()
	return res, nil
}

// saveRoots writes the root versions a successful [Refresh] accepted to
// the cache's roots directory, for [Cached] to walk the same chain.
func (c *client) saveRoots(roots map[string][]byte) error {
	if len(roots) == 0 {
		return nil
	}
	dir := filepath.Join(c.dir, rootsDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for name, b := range roots {
		if err := writeFileAtomic(filepath.Join(dir, name), b); err != nil {
			return err
		}
	}
	return nil
}

// writeFileAtomic writes b to p through a temporary file and a rename, so
// that a reader never sees a partial file.
func writeFileAtomic(p string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// error returns a [*RefreshError].
func (c *client) error(reason error, at string, err error) *RefreshError {
	if err == nil {
		err = errors.New("unknown error")
	}
	return &RefreshError{Repository: c.repo.URL, Target: c.target, Cached: c.cached, URL: at, Err: err, reason: reason}
}
