package evidence

import (
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ats-run/selfattest/anchor/tlog"
	vtlog "github.com/ats-run/selfattest/verify/tlog"
)

// The rekor target: a Rekor v2 log, through anchor/tlog's RekorAnchorer.
// Rekor v2 logs only signed entries, so each anchor is the root's
// statement signed by the archivist's Ed25519 key (Ed25519ph) as a
// hashedrekord entry; its anchor entries are of kind "tlog", their target
// the log's origin, and verify checks them with the log's key (--tlog-key)
// as it checks the local log's.

const KindRekor = "rekor"

// RekorFlags are the rekor target's settings.
type RekorFlags struct {
	URL      string
	TilesURL string
	LogKey   string
	Key      string
}

func (f *RekorFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.URL, "rekor-url", "", "rekor: the Rekor v2 log's write API `URL` (https, or http to 127.0.0.1)")
	fs.StringVar(&f.TilesURL, "rekor-tiles-url", "", "rekor: the log's tlog-tiles read `URL` (default: --rekor-url)")
	fs.StringVar(&f.LogKey, "rekor-log-key", "", "rekor: the log's verifier key `file`, one line origin+hash+base64 (names the origin too)")
	fs.StringVar(&f.Key, "rekor-key", "", "rekor: the archivist's Ed25519 signing key `file`, PKCS #8 PEM, mode 600 (default: F.rekor.key beside the journal F, made on first use)")
}

// rekorKeyFiles are the archivist's signing key for the rekor target and
// its public key beside it.
func rekorKeyFiles(journal, key string) MemoryFiles {
	if key == "" {
		key = journal + ".rekor.key"
	}
	return MemoryFiles{Key: key, Pub: key + ".pub"}
}

// openRekor builds the rekor target. The archivist's key is made on first
// use (mode 600, said on notice) if --rekor-key names no file.
func openRekor(journal string, f RekorFlags, timeout time.Duration, notice io.Writer) (*tlog.RekorAnchorer, error) {
	if f.URL == "" || f.LogKey == "" {
		return nil, fmt.Errorf("%w: the rekor target needs --rekor-url and --rekor-log-key", ErrUsage)
	}
	lk, err := readLogKey(f.LogKey, "--rekor-log-key")
	if err != nil {
		return nil, err
	}
	kf := rekorKeyFiles(journal, f.Key)
	key, err := loadMemoryKey(kf.Key)
	if errors.Is(err, os.ErrNotExist) {
		key, err = createMemoryKey(kf)
		if err == nil {
			fmt.Fprintf(notice, "created the archivist's Ed25519 key for Rekor %s (mode 600), its public key %s: every rekor anchor is signed by it\n", kf.Key, kf.Pub)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("--rekor-key: %w", err)
	}
	return tlog.NewRekorAnchorer(tlog.RekorOptions{
		URL:      f.URL,
		TilesURL: f.TilesURL,
		Origin:   lk.Name(),
		LogKeys:  []*vtlog.LogKey{lk},
		Key:      ed25519.PrivateKey(key),
		Timeout:  min(timeout, tlog.DefaultAnchorTimeout),
	})
}
