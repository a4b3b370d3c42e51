package evidence

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/klog/v2"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/tlog"
	vtlog "github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
)

// The tlog target: package anchor/tlog's embedded local log, a C2SP
// tlog-tiles log in a folder, its checkpoints signed by an Ed25519 key
// kept beside it.

const KindTlog = "tlog"

// DefaultTlogOrigin names the local log when --tlog-origin does not: the
// checkpoint's first line and the signed-note name of its key. A verifier
// learns it from the public key file, which starts with it.
const DefaultTlogOrigin = "archivist.local"

// TlogFlags are the tlog target's settings.
type TlogFlags struct {
	Dir    string
	Origin string
}

func (f *TlogFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Dir, "tlog-dir", "", "tlog: the local log's `folder` (default: F.tlog beside the journal F)")
	fs.StringVar(&f.Origin, "tlog-origin", DefaultTlogOrigin, "tlog: the local log's origin `name`, set when the log is made")
}

// TlogFiles are the local log's folder and its two keys beside it: the
// signer key (mode 600) and the verifier key verify --tlog-key reads.
type TlogFiles struct{ Dir, Key, Pub string }

func tlogFilesOf(journal, dir string) TlogFiles {
	if dir == "" {
		dir = journal + ".tlog"
	}
	dir = filepath.Clean(dir)
	return TlogFiles{Dir: dir, Key: dir + ".key", Pub: dir + ".pub"}
}

// QuietTessera silences tessera, which logs through klog's global
// settings; the archivist's own lines say what happens.
func QuietTessera() {
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
}

// OpenTlog opens (or makes) the local log and its anchorer. Its key is
// made on first use, mode 600, and said so on notice, with the verifier
// key written beside it. The log must be closed (the returned func) before
// the process ends: Close waits for a checkpoint that commits to every
// entry appended.
func OpenTlog(ctx context.Context, journal string, f TlogFlags, notice io.Writer) (*tlog.LogAnchorer, TlogFiles, func(), error) {
	QuietTessera()
	tf := tlogFilesOf(journal, f.Dir)
	key, created, err := tlog.LoadOrCreateKey(tf.Key, f.Origin)
	if err != nil {
		return nil, tf, nil, fmt.Errorf("%w: tlog key %s: %w", anchor.ErrBadInput, tf.Key, err)
	}
	l, err := tlog.Open(ctx, tf.Dir, f.Origin, key, tlog.Options{})
	if err != nil {
		return nil, tf, nil, tlogOpenError(tf.Dir, err)
	}
	closeLog := func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		l.Close(cctx)
	}
	pub := vtlog.FormatLogKey(l.LogKey()) + "\n"
	if old, err := ReadRegular(tf.Pub, maxKeyFile); err != nil || !bytes.Equal(old, []byte(pub)) {
		// Renamed into place: whatever is there (even a FIFO) is replaced,
		// never opened.
		if err := writeAtomic(filepath.Dir(tf.Pub), filepath.Base(tf.Pub), []byte(pub)); err != nil {
			closeLog()
			return nil, tf, nil, fmt.Errorf("tlog public key: %w", err)
		}
	}
	if created {
		fmt.Fprintf(notice, "created the local log %s (origin %s) and its Ed25519 key %s (mode 600); verifiers need its public key %s (--tlog-key)\n", tf.Dir, f.Origin, tf.Key, tf.Pub)
	}
	a, err := tlog.NewLogAnchorer(l, tlog.AnchorerOptions{})
	if err != nil {
		closeLog()
		return nil, tf, nil, err
	}
	return a, tf, closeLog, nil
}

// tlogOpenError keeps tlog.Open's classification: a folder that holds
// another log (another key or origin) is bad input, one whose checkpoint
// does not verify under the key is rejected as well (verify/tlog's
// rejection is the evidence), a folder another process holds is could not
// check. Anything else (an I/O error) is could not check.
func tlogOpenError(dir string, err error) error {
	for _, s := range []error{selfattest.ErrRejected, selfattest.ErrBadInput, selfattest.ErrCouldNotCheck} {
		if errors.Is(err, s) {
			return fmt.Errorf("the local log %s: %w", dir, err)
		}
	}
	return fmt.Errorf("%w: the local log %s: %w", anchor.ErrCouldNotCheck, dir, err)
}

// readLogKey reads a log's verifier key file: one signed-note verifier
// key line, "origin+hash+base64", as the local log's .pub file holds it
// (vtlog.FormatLogKey). The origin is part of the key, so the file names
// the log as well as its key.
func readLogKey(p, flagName string) (*vtlog.LogKey, error) {
	data, err := ReadRegular(p, maxKeyFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flagName, err)
	}
	line := strings.TrimSpace(string(data))
	if strings.ContainsAny(line, "\r\n") {
		return nil, fmt.Errorf("%w: %s %s: more than one line; want one verifier key, origin+hash+base64", anchor.ErrBadInput, flagName, p)
	}
	if strings.HasPrefix(line, "PRIVATE+KEY+") {
		return nil, fmt.Errorf("%w: %s %s: a private (signer) key; give the public key (the .pub file)", anchor.ErrBadInput, flagName, p)
	}
	k, err := vtlog.ParseLogKey(line)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %w", anchor.ErrBadInput, flagName, p, err)
	}
	return k, nil
}

// checkpointOrigin returns the origin line of a log's checkpoint,
// unverified: it only picks the key the checkpoint is then verified with.
func checkpointOrigin(cp []byte) string {
	line, _, _ := strings.Cut(string(cp), "\n")
	return line
}

// A logSource is a log that verify reads to check tlog anchors online:
// a folder (--tlog-dir) or a tiles URL (--tlog-url).
type logSource struct {
	flag, where string
	checkpoint  vtlog.CheckpointFetcherFunc
	tiles       vtlog.TileFetcherFunc
}

// TlogVerifiers builds a verifier per --tlog-key and, for each log that
// --tlog-dir or --tlog-url names, the online verifier of the log whose
// origin that log's checkpoint states.
func TlogVerifiers(ctx context.Context, keyFiles []string, dir, url string, timeout time.Duration) ([]anchor.AnchorVerifier, bool, func(), error) {
	var closers []func()
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}
	byOrigin := map[string]anchor.AnchorVerifier{}
	var origins []string
	for _, p := range keyFiles {
		k, err := readLogKey(p, "--tlog-key")
		if err != nil {
			return nil, false, closeAll, err
		}
		if _, dup := byOrigin[k.Name()]; dup {
			return nil, false, closeAll, fmt.Errorf("%w: --tlog-key: two keys for origin %q", ErrUsage, k.Name())
		}
		v, err := tlog.NewVerifier(k.Name(), []*vtlog.LogKey{k}, tlog.VerifierOptions{})
		if err != nil {
			return nil, false, closeAll, err
		}
		byOrigin[k.Name()] = v
		origins = append(origins, k.Name())
	}
	if (dir != "" || url != "") && len(keyFiles) == 0 {
		return nil, false, closeAll, fmt.Errorf("%w: --tlog-dir and --tlog-url need the log's --tlog-key", ErrUsage)
	}
	var sources []logSource
	if dir != "" {
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, false, closeAll, fmt.Errorf("%w: --tlog-dir: %w", anchor.ErrBadInput, err)
		}
		closers = append(closers, func() { root.Close() })
		df := logfetch.NewDirFetcher(root)
		sources = append(sources, logSource{"--tlog-dir", dir, df.Checkpoint, df.Tile})
	}
	if url != "" {
		hf, err := logfetch.NewHTTPFetcher(url, logfetch.HTTPOptions{Timeout: timeout})
		if err != nil {
			return nil, false, closeAll, fmt.Errorf("%w: --tlog-url: %w", ErrUsage, err)
		}
		sources = append(sources, logSource{"--tlog-url", url, hf.Checkpoint, hf.Tile})
	}
	for _, src := range sources {
		cp, err := src.checkpoint(ctx)
		if err != nil {
			if src.flag == "--tlog-dir" {
				return nil, false, closeAll, fmt.Errorf("%w: --tlog-dir %s: not a log's folder (its checkpoint): %w", anchor.ErrBadInput, src.where, err)
			}
			return nil, false, closeAll, fmt.Errorf("%w: --tlog-url %s: the log's checkpoint: %w", anchor.ErrCouldNotCheck, src.where, err)
		}
		origin := checkpointOrigin(cp)
		v, ok := byOrigin[origin].(*tlog.Verifier)
		if !ok {
			return nil, false, closeAll, fmt.Errorf("%w: %s %s holds the log %q: give its key with --tlog-key (once per log)", ErrUsage, src.flag, src.where, origin)
		}
		ov, err := tlog.NewOnlineVerifier(v, src.checkpoint, src.tiles, tlog.OnlineOptions{Timeout: timeout})
		if err != nil {
			return nil, false, closeAll, err
		}
		byOrigin[origin] = ov
	}
	vs := make([]anchor.AnchorVerifier, len(origins))
	for i, o := range origins {
		vs[i] = byOrigin[o]
	}
	return vs, len(sources) > 0, closeAll, nil
}
