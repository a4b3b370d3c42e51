package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"embed"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	"github.com/ipfs/go-cid"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/ipfs"
	anchortlog "github.com/ats-run/selfattest/anchor/tlog"
	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/attest/release"
	"github.com/ats-run/selfattest/attest/signing"
	"github.com/ats-run/selfattest/attest/signing/localtsa"
	"github.com/ats-run/selfattest/examples/internal/evidence"
	"github.com/ats-run/selfattest/examples/internal/simchain"
	"github.com/ats-run/selfattest/examples/internal/verifiercli"
)

// demoFS is the embedded web app the demo builds: its source (app/), and
// app/build.sh, its build.
//
//go:embed app
var demoFS embed.FS

const (
	// demoVersion is the release's version, demoEpoch its
	// SOURCE_DATE_EPOCH (2023-11-14T22:13:20Z).
	demoVersion = "1.0.1"
	demoEpoch   = "1700000000"
	// demoBuild is the app's build command, run as verify runs --build.
	demoBuild = "sh build.sh"
	// demoScript is the built module, the file the "CDN" changes.
	demoScript = "kms.mjs"
	// demoLogOrigin names the demo's transparency log.
	demoLogOrigin = "log.demo.selfattest.invalid"
)

// errStory marks a step that did not end as the story says. It is beneath
// selfattest.ErrCouldNotCheck: a story that does not hold is no rejection
// of anything, and selfattest.ExitCode maps it to 3 by its class, not as
// an error that wraps no sentinel.
var errStory = selfattest.Beneath(selfattest.ErrCouldNotCheck, "the demo's story did not hold")

// story runs the demo in dir and tells it on stdout.
func (e env) story(ctx context.Context, dir string) error {
	out := e.stdout
	section := func(title string) { fmt.Fprintf(out, "\n── %s\n", title) }
	fmt.Fprintf(out, "🔐 selfattest demo, in %s\n", dir)

	section("1. The source and its build")
	src := filepath.Join(dir, "source")
	sub, err := fs.Sub(demoFS, "app")
	if err != nil {
		return err
	}
	if err := os.CopyFS(src, sub); err != nil {
		return fmt.Errorf("%w: writing the source: %w", selfattest.ErrCouldNotCheck, err)
	}
	fmt.Fprintf(out, "A small web app in %s: a page, a style sheet and a module.\n", src)
	fmt.Fprintf(out, "Its build, run as verify runs --build (sh -c in a copy, SOURCE_DATE_EPOCH=%s):\n  $ %s\n", demoEpoch, demoBuild)
	build := filepath.Join(dir, "build")
	if err := os.CopyFS(build, os.DirFS(src)); err != nil {
		return fmt.Errorf("%w: copying the source: %w", selfattest.ErrCouldNotCheck, err)
	}
	if _, err := verifiercli.Build(ctx, e.verifier(), build, demoBuild, demoEpoch); err != nil {
		return err
	}
	dist := filepath.Join(build, "dist")

	section("2. The release")
	rel, err := demoRelease(ctx, dir, dist)
	if err != nil {
		return fmt.Errorf("the release: %w", err)
	}
	defer rel.close()
	for _, f := range rel.manifest.Files {
		fmt.Fprintf(out, "  %-12s → %-28s %s\n", f.Path, f.ContentPath, f.Integrity)
	}
	fmt.Fprintf(out, "The HTML names each copy with its integrity; the statement %s (every file a subject) is\n", release.StatementName)
	fmt.Fprintf(out, "signed with a key made for the demo (%s), logged in a local transparency log\n", filepath.Base(rel.pub))
	fmt.Fprintf(out, "(%s) and timestamped by a local RFC 3161 authority on 127.0.0.1: %s.\n", demoLogOrigin, release.BundleName)

	section("3. Served on 127.0.0.1")
	cdn := &demoCDN{}
	if err := cdn.load(rel.dir); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("%w: %w", selfattest.ErrCouldNotCheck, err)
	}
	srv := &http.Server{Handler: cdn, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	script := rel.contentPath(demoScript)
	fmt.Fprintf(out, "The release folder is the CDN: %s/index.html loads %s.\n", base, script)

	reportPath := filepath.Join(dir, "verification-report.json")
	summaryPath := filepath.Join(dir, "verification-summary.md")
	verifyArgs := func(report, summary string) []string {
		a := []string{"--source", src, "--source-date-epoch", demoEpoch, "--build", demoBuild,
			"--artifact", "dist/" + demoScript, "--url", base + "/" + script,
			"--bundle", base + "/" + release.BundleName, "--key", rel.pub, "--trusted-root", rel.trustedRoot,
			"--report", report}
		if summary != "" {
			a = append(a, "--summary", summary)
		}
		return a
	}
	step := func(want int, args []string) error {
		fmt.Fprintf(out, "$ verifier verify %s\n\n", demoArgs(args, dir))
		got := verifiercli.Verify(ctx, args, e.verifier())
		if got != want {
			return fmt.Errorf("%w: verify exited %d, want %d", errStory, got, want)
		}
		fmt.Fprintf(out, "→ exit %d, as it should\n", got)
		return nil
	}

	section("4. Verify: rebuild the source, compare with what is live, check the bundle")
	if err := step(verifyVerified, verifyArgs(reportPath, summaryPath)); err != nil {
		return err
	}

	section("5. One byte changes on the CDN")
	cdn.tamper("/" + script)
	fmt.Fprintf(out, "The CDN now serves %s with one byte changed.\n", script)
	if err := step(verifyRejected, verifyArgs(filepath.Join(dir, "tampered-report.json"), "")); err != nil {
		return err
	}

	section("6. Keep the evidence")
	kept, tlogPub, err := e.demoKeep(ctx, dir, []string{reportPath, summaryPath, filepath.Join(rel.dir, release.BundleName), filepath.Join(rel.dir, release.ManifestName)})
	if err != nil {
		return err
	}

	section("7. Check every receipt offline: the receipt, the file and the trust material alone")
	if err := e.demoCheck(ctx, kept, tlogPub); err != nil {
		return err
	}

	section("Where things are")
	fmt.Fprintf(out, "  report:    %s\n", reportPath)
	fmt.Fprintf(out, "  summary:   %s\n", summaryPath)
	fmt.Fprintf(out, "  release:   %s\n", rel.dir)
	fmt.Fprintf(out, "  receipts:  %s\n", kept.ReceiptsDir)
	fmt.Fprintf(out, "  archive:   %s\n", kept.Archive.CAR)
	fmt.Fprintf(out, "  journal:   %s\n", filepath.Join(dir, "archivist.journal"))
	fmt.Fprintf(out, "(remove the folder when done: rm -r %s)\n", dir)
	return nil
}

// demoArgs prints args for the story: paths inside dir relative to it.
func demoArgs(args []string, dir string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		a = strings.ReplaceAll(a, dir+string(filepath.Separator), "")
		if strings.ContainsAny(a, " '") {
			a = "'" + a + "'"
		}
		b.WriteString(a)
	}
	return b.String()
}

// A demoReleased is the demo's release: its folder and manifest, and
// the files a verifier needs.
type demoReleased struct {
	dir         string
	manifest    *release.Manifest
	pub         string // the signing key's public key, PEM
	trustedRoot string // the trusted root naming the log and the authority
	close       func()
}

// contentPath is the released copy of the dist file p.
func (r *demoReleased) contentPath(p string) string {
	for _, f := range r.manifest.Files {
		if f.Path == p {
			return f.ContentPath
		}
	}
	return p
}

// demoRelease releases dist into dir/release as examples/release does
// offline, through the same public calls: a signing key made here, a
// local timestamp authority served on 127.0.0.1 for the run, a local
// transparency log, and a trusted root naming both.
func demoRelease(ctx context.Context, dir, dist string) (*demoReleased, error) {
	keys := filepath.Join(dir, "keys")
	if err := os.MkdirAll(keys, 0o700); err != nil {
		return nil, err
	}
	key, pub, err := demoSigningKey(keys)
	if err != nil {
		return nil, err
	}
	tsa, _, err := localtsa.LoadOrCreate(filepath.Join(keys, "tsa.pem"), demoLogOrigin+" timestamps", time.Now())
	if err != nil {
		return nil, err
	}
	tsaURL, stopTSA, err := tsa.Serve(ctx, time.Now)
	if err != nil {
		return nil, err
	}
	evidence.QuietTessera()
	logKey, _, err := anchortlog.LoadOrCreateKey(filepath.Join(keys, "log.key"), demoLogOrigin)
	if err != nil {
		stopTSA()
		return nil, err
	}
	l, err := anchortlog.Open(ctx, filepath.Join(dir, "release-log"), demoLogOrigin, logKey, anchortlog.Options{})
	if err != nil {
		stopTSA()
		return nil, err
	}
	r := &demoReleased{dir: filepath.Join(dir, "release"), pub: pub, trustedRoot: filepath.Join(keys, "trusted_root.json")}
	r.close = func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		l.Close(cctx)
		stopTSA()
	}
	fail := func(err error) (*demoReleased, error) { r.close(); return nil, err }
	tl, err := anchortlog.TrustedRootLog(demoLogOrigin, logKey.Public().(ed25519.PublicKey), time.Unix(0, 0))
	if err != nil {
		return fail(err)
	}
	if err := anchortlog.WriteTrustedRoot(r.trustedRoot, []*root.TransparencyLog{tl}, tsa.TrustedAuthority("http://127.0.0.1"+localtsa.Path)); err != nil {
		return fail(err)
	}
	pred, err := demoProvenance()
	if err != nil {
		return fail(err)
	}
	mtime, err := release.SourceDateEpoch(demoEpoch)
	if err != nil {
		return fail(err)
	}
	res, err := release.Build(ctx, dist, r.dir, demoVersion, pred, release.Options{ModTime: mtime})
	if err != nil {
		return fail(err)
	}
	r.manifest = res.Manifest
	t, err := anchortlog.NewTransparency(l)
	if err != nil {
		return fail(err)
	}
	b, err := signing.Statement(ctx, res.Statement, signing.Options{
		Key:                  key,
		TransparencyLogs:     []sign.Transparency{t},
		TimestampAuthorities: []*sign.TimestampAuthority{signing.NewTimestampAuthority(tsaURL, signing.ServiceOptions{})},
	})
	if err != nil {
		return fail(err)
	}
	data, err := b.MarshalJSON()
	if err != nil {
		return fail(err)
	}
	if err := os.WriteFile(filepath.Join(r.dir, release.BundleName), data, 0o644); err != nil {
		return fail(err)
	}
	return r, nil
}

// demoSigningKey makes the release's ECDSA P-256 key in dir: the private
// key (PKCS #8 PEM, mode 600) as release --key reads it, and the public
// key (PKIX PEM) verify --key reads.
func demoSigningKey(dir string) (*signing.Key, string, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, "", err
	}
	pder, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		return nil, "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "release.key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, "", err
	}
	pub := filepath.Join(dir, "release.pub.pem")
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder}), 0o644); err != nil {
		return nil, "", err
	}
	sk, err := signing.NewKey(k)
	return sk, pub, err
}

// demoProvenance is the statement's predicate: SLSA provenance naming the
// demo as the builder.
func demoProvenance() (intoto.Predicate, error) {
	params, err := structpb.NewStruct(map[string]any{"build": demoBuild, "source_date_epoch": demoEpoch})
	if err != nil {
		return nil, err
	}
	return intoto.SLSAProvenance{Provenance: &slsa.Provenance{
		BuildDefinition: &slsa.BuildDefinition{
			BuildType:          "https://github.com/ats-run/selfattest/buildtypes/verifier-demo/v1",
			ExternalParameters: params,
		},
		RunDetails: &slsa.RunDetails{Builder: &slsa.Builder{Id: "https://github.com/ats-run/selfattest/examples/demo"}},
	}}, nil
}

// demoKeep anchors the evidence files as verify --anchor does, at the
// targets the demo can run in-process: the local log beside the journal,
// go-ethereum's simulated chain, and an IPFS archive of the files whose
// CAR is an item of the batch. It returns what was kept and the log's
// public key file.
func (e env) demoKeep(ctx context.Context, dir string, files []string) (*evidence.Kept, string, error) {
	out := e.stdout
	journal := filepath.Join(dir, "archivist.journal")
	j, err := evidence.OpenJournal(journal, true, nil)
	if err != nil {
		return nil, "", err
	}
	defer j.Close()
	logT, tf, closeLog, err := evidence.OpenTlog(ctx, journal, evidence.TlogFlags{Origin: evidence.DefaultTlogOrigin}, io.Discard)
	if err != nil {
		return nil, "", err
	}
	defer closeLog()
	chain, err := simchain.New(ctx)
	if err != nil {
		return nil, "", err
	}
	defer chain.Close()
	fmt.Fprintf(out, "The report, the summary, the bundle and the manifest go into the journal %s, with an IPFS\n", filepath.Base(journal))
	fmt.Fprintf(out, "archive of the four (a UnixFS folder in the block store %s) whose CAR joins them as a fifth item.\n", filepath.Base(evidence.StoreDirOf(journal)))
	fmt.Fprintf(out, "Their batch's Merkle root is anchored at two targets, in this process:\n")
	fmt.Fprintf(out, "  tlog: a transparency log in %s, origin %s\n", filepath.Base(tf.Dir), evidence.DefaultTlogOrigin)
	fmt.Fprintf(out, "  eth:  go-ethereum's simulated chain %d, a calldata transaction to %s from a fresh key\n", simchain.ChainID, simchain.Sink.Hex())
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
	}
	kept, err := evidence.Keep(ctx, j, journal, files, []anchor.Anchorer{logT, chain.Anchorer}, evidence.KeepOptions{
		Archive:       true,
		Names:         names,
		BeforeUpgrade: func() error { chain.Mine(); return nil },
	})
	if err != nil {
		return nil, "", err
	}
	for _, it := range kept.Items {
		fmt.Fprintf(out, "  item %d  sha256 %s…  %s\n", it.Item, it.SHA256[:16], it.Name)
	}
	fmt.Fprintf(out, "Archive %s: %d files, %d bytes.\n", kept.Archive.CID, kept.Archive.Files, kept.Archive.Size)
	for _, b := range kept.Batches {
		fmt.Fprintf(out, "Batch %d, root %s:\n", b.ID, b.Root)
		for _, a := range b.Anchors {
			fmt.Fprintf(out, "  %s: %s at depth %d\n", a.Target, a.State, a.Depth)
		}
	}
	if len(kept.Pending) > 0 {
		return nil, "", fmt.Errorf("%w: anchors still pending at %s", errStory, strings.Join(kept.Pending, ", "))
	}
	fmt.Fprintf(out, "%d receipts written to %s\n", len(kept.Receipts), kept.ReceiptsDir)
	return kept, tf.Pub, nil
}

// demoCheck verifies every receipt offline against its file, as archivist
// verify does, and the archive's CAR against its CID.
func (e env) demoCheck(ctx context.Context, kept *evidence.Kept, tlogPub string) error {
	out := e.stdout
	tvs, _, closeT, err := evidence.TlogVerifiers(ctx, []string{tlogPub}, "", "", 0)
	closeT()
	if err != nil {
		return err
	}
	vs := append(tvs, simchain.NewVerifier())
	paths := map[string]string{}
	for _, it := range kept.Items {
		paths[it.Name] = it.Path
	}
	for _, w := range kept.Receipts {
		_, res, _, err := evidence.VerifyFiles(ctx, w.File, paths[w.Name], evidence.DefaultMaxSize, false, vs)
		if err != nil {
			return fmt.Errorf("receipt %s: %w", w.File, err)
		}
		var at []string
		for _, a := range res.Anchors {
			at = append(at, a.Kind)
		}
		fmt.Fprintf(out, "  ✅ receipt verified: %s, leaf %d of %d, anchors %s\n", w.Name, res.LeafIndex, res.TreeSize, strings.Join(at, ", "))
	}
	if err := demoCheckCAR(ctx, kept.Archive); err != nil {
		return err
	}
	fmt.Fprintf(out, "  ✅ CAR verified: %s holds %s, every block checked against it\n", filepath.Base(kept.Archive.CAR), kept.Archive.CID)
	fmt.Fprintf(out, "The same checks from the command line:\n  $ archivist verify --tlog-key %s --chain-id %d --sink %s \\\n      %s %s\n",
		tlogPub, simchain.ChainID, simchain.Sink.Hex(), kept.Receipts[0].File, kept.Items[0].Path)
	return nil
}

// demoCheckCAR imports the archive's CAR into a new block store,
// verifying every block and the DAG against the CID.
func demoCheckCAR(ctx context.Context, st *evidence.ArchiveStat) error {
	root, err := cid.Decode(st.CID)
	if err != nil {
		return err
	}
	f, err := os.Open(st.CAR)
	if err != nil {
		return err
	}
	defer f.Close()
	tmp, err := os.MkdirTemp(filepath.Dir(st.CAR), ".check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	s, err := ipfs.OpenStore(tmp)
	if err != nil {
		return err
	}
	got, err := ipfs.ImportCAR(ctx, f, root, s, ipfs.Limits{})
	if err != nil {
		return fmt.Errorf("the archive's CAR: %w", err)
	}
	if got.Files != st.Files {
		return fmt.Errorf("%w: the CAR holds %d files, the archive %d", errStory, got.Files, st.Files)
	}
	return nil
}

// demoCDN serves a release folder's files by path, from memory once read,
// so the demo can change a byte "on the CDN" without touching the release.
type demoCDN struct {
	mu   sync.Mutex
	body map[string][]byte
}

func (c *demoCDN) load(dir string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.body = map[string][]byte{}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		c.body["/"+filepath.ToSlash(rel)] = b
		return err
	})
}

func (c *demoCDN) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	b, ok := c.body[r.URL.Path]
	c.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}

func (c *demoCDN) tamper(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := bytes.Clone(c.body[path])
	b[len(b)/2] ^= 0x01
	c.body[path] = b
}
