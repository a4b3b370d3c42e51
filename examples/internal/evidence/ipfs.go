package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/ipfs"
)

// IPFS: archives of evidence (archive, fetch, add --archive), the ipfs
// target (anchor, upgrade) and its verifier (verify), on package
// anchor/ipfs.

const KindIpfs = ipfs.Kind

// carMediaType is the media type of an archive's CAR as an item of
// evidence.
const carMediaType = ipfs.CARMediaType

// StoreDirOf is the default block store of a journal: F.ipfs beside it.
func StoreDirOf(journal string) string { return journal + ".ipfs" }

// ArchivesDirOf is where add --archive writes its CARs: F.archives.
func ArchivesDirOf(journal string) string { return journal + ".archives" }

// IpfsFlags are the ipfs target's settings.
type IpfsFlags struct {
	KuboAPI string
	Gateway string
	Name    string
	// Pinning is the base URL of an IPFS Pinning Service API service that
	// also keeps the records; PinningTokenEnv names the environment
	// variable that holds its bearer token (a flag's value would show in
	// the process list).
	Pinning         string
	PinningTokenEnv string
	PinningWait     time.Duration
}

func (f *IpfsFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.KuboAPI, "kubo-api", "", "ipfs: the Kubo RPC API `URL` (e.g. http://127.0.0.1:5001) that publishes and pins the anchor records; it controls the node: use it on loopback or behind authentication")
	fs.StringVar(&f.Gateway, "ipfs-gateway", "", "ipfs: the trustless gateway `URL` upgrade retrieves the records from, verified (e.g. the node's own, http://127.0.0.1:8080)")
	fs.StringVar(&f.Name, "ipfs-target", "ipfs", "ipfs: the target's `name` in the anchor entries")
	fs.StringVar(&f.Pinning, "pinning-service", "", "ipfs: also pin each record at this IPFS Pinning Service API `URL` (the base, without /pins; https, or http on loopback), and ask it when checking")
	fs.StringVar(&f.PinningTokenEnv, "pinning-token-env", "", "ipfs: the environment `variable` that holds the pinning service's bearer token")
	fs.DurationVar(&f.PinningWait, "pinning-wait", 5*time.Minute, "ipfs: how long anchor waits for the pinning service to say pinned")
}

// openIpfs builds the ipfs target. anchor needs only --kubo-api; upgrade
// (check) needs --ipfs-gateway too.
func openIpfs(f IpfsFlags, timeout time.Duration, check bool) (*ipfs.Anchorer, error) {
	if f.KuboAPI == "" {
		return nil, fmt.Errorf("%w: the ipfs target needs --kubo-api", ErrUsage)
	}
	if check && f.Gateway == "" {
		return nil, fmt.Errorf("%w: upgrade --to ipfs needs --ipfs-gateway", ErrUsage)
	}
	var opts []ipfs.AnchorerOption
	switch {
	case f.Pinning != "":
		if f.PinningTokenEnv == "" {
			return nil, fmt.Errorf("%w: --pinning-service needs --pinning-token-env", ErrUsage)
		}
		token := os.Getenv(f.PinningTokenEnv)
		if token == "" {
			return nil, fmt.Errorf("%w: --pinning-token-env: $%s is empty or not set", ErrUsage, f.PinningTokenEnv)
		}
		p, err := ipfs.NewPinningService(f.Pinning, token)
		if err != nil {
			return nil, fmt.Errorf("%w: --pinning-service: %w", ErrUsage, err)
		}
		p.Timeout = timeout
		opts = append(opts, ipfs.WithPinningService(p, f.PinningWait))
	case f.PinningTokenEnv != "":
		return nil, fmt.Errorf("%w: --pinning-token-env without --pinning-service", ErrUsage)
	}
	return ipfs.NewAnchorer(f.Name, &ipfs.Kubo{URL: f.KuboAPI, Timeout: timeout}, &ipfs.Gateway{URL: f.Gateway, Timeout: timeout}, opts...)
}

// ipfsOnline checks ipfs entries online: offline first (the entry names
// root's record), then the record retrieved from the gateway and
// verified, and, with a Kubo RPC API, pinned there.
type ipfsOnline struct {
	*ipfs.Verifier
	Gateway *ipfs.Gateway
	kubo    *ipfs.Kubo
}

func (v *ipfsOnline) VerifyOnline(ctx context.Context, root anchor.Hash, entry anchor.Entry) (anchor.Status, error) {
	st := anchor.Status{Entry: entry}
	if err := v.VerifyOffline(root, entry); err != nil {
		return st, err
	}
	if v.kubo != nil {
		a, err := ipfs.NewAnchorer(entry.Target, v.kubo, v.Gateway)
		if err != nil {
			return st, err
		}
		return a.Check(ctx, root, entry)
	}
	tmp, err := os.MkdirTemp("", "archivist-ipfs-")
	if err != nil {
		return st, fmt.Errorf("%w: %w", anchor.ErrCouldNotCheck, err)
	}
	defer os.RemoveAll(tmp)
	s, err := ipfs.OpenStore(tmp)
	if err != nil {
		return st, err
	}
	g := *v.Gateway
	g.Limits = ipfs.Limits{MaxCARSize: 4 << 10, MaxBlocks: 2, MaxTotalSize: 1 << 10}
	if _, err := g.Fetch(ctx, ipfs.RecordCID(root), s); err != nil {
		return st, err
	}
	// The record's CID is the hash of its one raw block: a block that
	// verified against it is the record.
	st.State, st.Depth = anchor.StateFinal, 1
	return st, nil
}

// ipfsVerifiers builds verify's ipfs verifier: offline with --ipfs, online
// with --ipfs-gateway (and --kubo-api for the pin); none without.
func ipfsVerifiers(offline bool, gateway, kuboAPI string, timeout time.Duration) ([]anchor.AnchorVerifier, bool, error) {
	if kuboAPI != "" && gateway == "" {
		return nil, false, fmt.Errorf("%w: verify --kubo-api needs --ipfs-gateway", ErrUsage)
	}
	if gateway == "" {
		if offline {
			return []anchor.AnchorVerifier{&ipfs.Verifier{}}, false, nil
		}
		return nil, false, nil
	}
	v := &ipfsOnline{Verifier: &ipfs.Verifier{}, Gateway: &ipfs.Gateway{URL: gateway, Timeout: timeout}}
	if kuboAPI != "" {
		v.kubo = &ipfs.Kubo{URL: kuboAPI, Timeout: timeout}
	}
	return []anchor.AnchorVerifier{v}, true, nil
}

// ArchiveStat is what archive and add --archive report of an archive.
type ArchiveStat struct {
	CID   string `json:"cid"`
	Store string `json:"store"`
	CAR   string `json:"car,omitempty"`
	Files int    `json:"files"`
	Size  int64  `json:"size"`
	// Published is the Kubo RPC API the archive was imported into and
	// pinned on (--kubo-api).
	Published string `json:"published,omitempty"`
}

// PublishArchive imports the archive st names from the store into the
// Kubo node at api (/api/v0/dag/import, which pins the root), and records
// it in st.
func PublishArchive(ctx context.Context, st *ArchiveStat, api string, timeout time.Duration) error {
	root, err := cid.Decode(st.CID)
	if err != nil {
		return fmt.Errorf("%w: %w", anchor.ErrBadInput, err)
	}
	s, err := ipfs.OpenStore(st.Store)
	if err != nil {
		return err
	}
	if err := (&ipfs.Kubo{URL: api, Timeout: timeout}).Publish(ctx, s, root, ipfs.Limits{}); err != nil {
		return fmt.Errorf("publishing %s: %w", root, err)
	}
	st.Published = api
	return nil
}

// ArchivePaths archives one path (a file or a folder, as `ipfs add` or
// `ipfs add -r --hidden` under the profile) or several (wrapped in a
// folder, as `-w`), verifies the DAG in the store and writes the CAR if
// car is set.
func ArchivePaths(ctx context.Context, paths []string, storeDir, car string, lim ipfs.Limits) (*ArchiveStat, error) {
	s, err := ipfs.OpenStore(storeDir)
	if err != nil {
		return nil, err
	}
	a := &ipfs.Archiver{Store: s, Limits: lim}
	var root cid.Cid
	if len(paths) == 1 {
		root, err = a.AddPath(ctx, paths[0])
	} else {
		root, err = a.AddPaths(ctx, paths...)
	}
	if err != nil {
		return nil, err
	}
	st, err := ipfs.Verify(ctx, s, root, lim)
	if err != nil {
		return nil, err
	}
	out := &ArchiveStat{CID: root.String(), Store: storeDir, Files: st.Files, Size: st.Size}
	if car != "" {
		if _, _, err := WriteCAR(ctx, s, root, car, lim); err != nil {
			return nil, err
		}
		out.CAR = car
	}
	return out, nil
}

// WriteCAR writes root's CAR version 1 (Kubo's dag export, byte for byte)
// to dst through a temporary file renamed into place, and returns its
// SHA-256 and size, counted as it is written.
func WriteCAR(ctx context.Context, s *ipfs.Store, root cid.Cid, dst string, lim ipfs.Limits) ([]byte, int64, error) {
	f, err := os.CreateTemp(filepath.Dir(dst), ".car-*")
	if err != nil {
		return nil, 0, fmt.Errorf("%w: CAR: %w", anchor.ErrBadInput, err)
	}
	h := sha256.New()
	var n countWriter
	werr := ipfs.ExportCAR(ctx, s, root, io.MultiWriter(f, h, &n), lim)
	merr := f.Chmod(0o644)
	cerr := f.Close()
	if err := errors.Join(werr, merr, cerr); err != nil {
		os.Remove(f.Name())
		if werr != nil {
			return nil, 0, werr
		}
		return nil, 0, fmt.Errorf("%w: CAR %s: %w", anchor.ErrBadInput, dst, err)
	}
	if err := os.Rename(f.Name(), dst); err != nil {
		os.Remove(f.Name())
		return nil, 0, fmt.Errorf("%w: CAR %s: %w", anchor.ErrBadInput, dst, err)
	}
	return h.Sum(nil), int64(n), nil
}

// countWriter counts the bytes written to it.
type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

// FetchArchive retrieves root from g into a scratch store inside dir,
// verified, extracts it there, and moves what it holds into dir: a
// folder's entries under their names, a file under its CID. Nothing in
// dir is overwritten: a name already there fails the command before
// anything is moved. It returns the paths written.
func FetchArchive(ctx context.Context, g *ipfs.Gateway, root cid.Cid, dir string) ([]string, *ipfs.Stat, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", anchor.ErrBadInput, err)
	}
	tmp, err := os.MkdirTemp(dir, ".archivist-fetch-")
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", anchor.ErrBadInput, err)
	}
	defer os.RemoveAll(tmp)
	s, err := ipfs.OpenStore(filepath.Join(tmp, "blocks"))
	if err != nil {
		return nil, nil, err
	}
	if _, err := g.Fetch(ctx, root, s); err != nil {
		return nil, nil, err
	}
	out := filepath.Join(tmp, "out")
	st, err := ipfs.Extract(ctx, s, root, out, g.Limits)
	if err != nil {
		return nil, nil, err
	}
	moves := map[string]string{}
	if st.Dir {
		ents, err := os.ReadDir(out)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", anchor.ErrBadInput, err)
		}
		for _, en := range ents {
			moves[filepath.Join(out, en.Name())] = filepath.Join(dir, en.Name())
		}
	} else {
		moves[out] = filepath.Join(dir, root.String())
	}
	var written []string
	for _, to := range moves {
		if _, err := os.Lstat(to); !errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("%w: %s exists: fetch does not overwrite", anchor.ErrBadInput, to)
		}
		written = append(written, to)
	}
	for from, to := range moves {
		// A file is linked, never renamed: a link fails where a name
		// appeared since the check, and a rename would replace it. A
		// folder is renamed, which fails onto anything but nothing or
		// an empty folder.
		var err error
		if fi, lerr := os.Lstat(from); lerr == nil && fi.IsDir() {
			err = os.Rename(from, to)
		} else if err = os.Link(from, to); err == nil {
			err = os.Remove(from)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: fetch does not overwrite: %w", anchor.ErrBadInput, err)
		}
	}
	slices.Sort(written)
	return written, st, nil
}

// climbsOut says whether an evidence name, laid out as a path in a folder
// (without its leading slashes, as archiveStage lays it out), has a ".."
// element: such a file cannot be archived under its name.
func climbsOut(name string) bool {
	return slices.Contains(strings.Split(strings.TrimLeft(name, "/"), "/"), "..")
}

// archiveStage lays out the files of add --archive in a private folder,
// each under its evidence name, and measures each while copying it: the
// digest recorded is the digest of the bytes archived.
func archiveStage(paths, names []string, limit int64, stage string) ([]anchor.Evidence, []AddedItem, error) {
	evs := make([]anchor.Evidence, len(paths))
	items := make([]AddedItem, len(paths))
	var errs []error
	for i, p := range paths {
		name := nameOf(names, i, p)
		if climbsOut(name) {
			errs = append(errs, fmt.Errorf("%w: %s: add --archive keeps files under their names, and this one climbs out of its folder (..)", ErrUsage, p))
			continue
		}
		dst := filepath.Join(stage, filepath.FromSlash(strings.TrimLeft(name, "/")))
		d, size, err := copyMeasured(p, dst, limit)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		evs[i], items[i], err = evidenceOf(p, name, d, size)
		if err != nil {
			errs = append(errs, err)
			continue
		}
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return evs, items, nil
}

// copyMeasured copies the regular file p (at most limit bytes) to dst, a
// new file, and returns the SHA-256 of the bytes copied.
func copyMeasured(p, dst string, limit int64) ([]byte, int64, error) {
	f, _, err := openRegular(p, limit)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return nil, 0, fmt.Errorf("%w: %w", anchor.ErrBadInput, err)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %s: named twice: %w", ErrUsage, p, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), bounded(f, limit))
	cerr := out.Close()
	if err == nil {
		err = cerr
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %s: %w", anchor.ErrBadInput, p, err)
	}
	if n > limit {
		return nil, 0, fmt.Errorf("%w: %s: over --max-size (%d bytes)", anchor.ErrBadInput, p, limit)
	}
	return h.Sum(nil), n, nil
}

// AddArchived is add --archive: the files are copied into a private
// folder under their names and measured there, the folder is archived
// into the store, its CAR written to F.archives/<CID>.car, and the files
// and the CAR (name "<CID>.car", media type application/vnd.ipld.car,
// the CAR's SHA-256) recorded together, so the next anchor seals them
// into one batch and its root anchors the archive with the files.
func AddArchived(ctx context.Context, paths []string, limit int64, journal, storeDir string) ([]anchor.Evidence, []AddedItem, *ArchiveStat, error) {
	return addArchivedNamed(ctx, paths, nil, limit, journal, storeDir)
}

// addArchivedNamed is AddArchived with the evidence names given (nil:
// each path's own), under which the files are archived too.
func addArchivedNamed(ctx context.Context, paths, names []string, limit int64, journal, storeDir string) ([]anchor.Evidence, []AddedItem, *ArchiveStat, error) {
	stage, err := os.MkdirTemp("", "archivist-stage-")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %w", anchor.ErrBadInput, err)
	}
	defer os.RemoveAll(stage)
	evs, items, err := archiveStage(paths, names, limit, stage)
	if err != nil {
		return nil, nil, nil, err
	}
	s, err := ipfs.OpenStore(storeDir)
	if err != nil {
		return nil, nil, nil, err
	}
	lim := ipfs.Limits{MaxFileSize: limit}
	root, err := (&ipfs.Archiver{Store: s, Limits: lim}).AddPath(ctx, stage)
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := ipfs.Verify(ctx, s, root, lim)
	if err != nil {
		return nil, nil, nil, err
	}
	adir := ArchivesDirOf(journal)
	if err := os.MkdirAll(adir, 0o755); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %w", anchor.ErrBadInput, err)
	}
	carName := root.String() + ".car"
	carPath := filepath.Join(adir, carName)
	d, size, err := WriteCAR(ctx, s, root, carPath, lim)
	if err != nil {
		return nil, nil, nil, err
	}
	ev, err := anchor.EvidenceFromDigest(carName, carMediaType, anchor.SHA256, d)
	if err != nil {
		return nil, nil, nil, err
	}
	evs = append(evs, ev)
	items = append(items, AddedItem{Path: carPath, Name: carName, MediaType: carMediaType, SHA256: hex.EncodeToString(d), Size: size})
	return evs, items, &ArchiveStat{CID: root.String(), Store: storeDir, CAR: carPath, Files: st.Files, Size: st.Size}, nil
}
