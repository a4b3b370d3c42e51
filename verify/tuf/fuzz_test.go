package tuf

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sgtuf "github.com/sigstore/sigstore-go/pkg/tuf"
	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/config"
)

// FuzzRoot feeds [Cached] (no network) a TUF root: the caller's trust
// anchor, the first input this package reads. It must never panic; every
// error wraps exactly one of the package's three sentinels.
func FuzzRoot(f *testing.F) {
	f.Add(sgtuf.DefaultRoot()) // the Sigstore public-good root sigstore-go embeds
	f.Add(sgtuf.StagingRoot())
	f.Add([]byte(`{"signed":{"_type":"root"},"signatures":[]}`))
	cache := f.TempDir()
	f.Fuzz(func(t *testing.T, root []byte) {
		res, err := Cached(Repository{URL: "https://tuf.example", Root: root}, cache, Options{})
		if err == nil {
			t.Fatalf("Cached with an empty cache returned %+v", res)
		}
		n := 0
		for _, s := range []error{ErrVerification, ErrCouldNotCheck, ErrBadInput} {
			if errors.Is(err, s) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("error wraps %d of the sentinels: %v", n, err)
		}
	})
}

// FuzzCheckCache feeds checkCache a cached metadata file: it must never
// panic, and refuse (as the cache's fault) what go-tuf cannot parse.
func FuzzCheckCache(f *testing.F) {
	f.Add(metadata.TIMESTAMP, []byte(`{"signed":{"_type":"timestamp","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z","meta":{"snapshot.json":{"version":1}}},"signatures":[]}`))
	f.Add(metadata.SNAPSHOT, []byte(`{"signed":{"_type":"snapshot"},"signatures":[]}`))
	f.Add(metadata.TARGETS, []byte(`{}`))
	cfg, err := config.New("https://tuf.example/", sgtuf.DefaultRoot())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, role string, data []byte) {
		if role != metadata.TIMESTAMP && role != metadata.SNAPSHOT && role != metadata.TARGETS {
			return
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, role+".json"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		err := checkCache(dir, cfg)
		var parseErr error
		switch role {
		case metadata.TIMESTAMP:
			_, parseErr = metadata.Timestamp().FromBytes(data)
		case metadata.SNAPSHOT:
			_, parseErr = metadata.Snapshot().FromBytes(data)
		case metadata.TARGETS:
			_, parseErr = metadata.Targets().FromBytes(data)
		}
		tooBig := (role == metadata.TIMESTAMP && int64(len(data)) > cfg.TimestampMaxLength) ||
			(role == metadata.SNAPSHOT && int64(len(data)) > cfg.SnapshotMaxLength) ||
			(role == metadata.TARGETS && int64(len(data)) > cfg.TargetsMaxLength)
		if (err == nil) != (parseErr == nil && !tooBig) {
			t.Fatalf("checkCache = %v, go-tuf parse = %v, too big %v", err, parseErr, tooBig)
		}
	})
}

// FuzzCacheName: a repository URL's cache directory name is one path
// element of letters, digits, dots and hyphens, never "." or "..".
func FuzzCacheName(f *testing.F) {
	for _, s := range []string{"https://tuf-repo-cdn.sigstore.dev", "http://127.0.0.1:8080/repo/", "https://x/../..", "https://[::1]:1/a%2Fb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		name := cacheName(u)
		if name == "" || name == "." || name == ".." || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") {
			t.Fatalf("cacheName(%q) = %q", raw, name)
		}
		if strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != "" {
			t.Fatalf("cacheName(%q) = %q: a byte outside [A-Za-z0-9.-]", raw, name)
		}
		if filepath.Base(name) != name {
			t.Fatalf("cacheName(%q) = %q is not one path element", raw, name)
		}
	})
}
