// Command release turns a dist folder into a signed release, the way a
// release workflow should: content-addressed copies, an SRI for every
// file, HTML pages rewritten to name the copies with their integrity, a
// manifest, and one in-toto statement with every file as a subject, signed
// into a Sigstore bundle and recorded in a transparency log.
//
//	release --dist DIR --version V --out DIR [--key KEY.pem | --keyless]
//	        [--rekor URL [--rekor-version 2]] [--tsa URL] [--trusted-root FILE]
//	        [--state-dir DIR] [--log DIR] [--log-origin NAME] [--log-key FILE]
//	        [--tsa-chain PEM] [--no-local-tsa]
//
// The release folder (--out) is deterministic: the same dist folder and
// version give the same bytes (SOURCE_DATE_EPOCH, if set, gives every file
// its time). The bundle, release.intoto.sigstore.json, is written beside it
// (its signature and log entry differ from run to run).
//
// Signing: --key (PKCS#8 PEM, ECDSA P-256 or Ed25519) or --keyless (Fulcio,
// --fulcio URL, with the GitHub Actions ambient OIDC token). Log: --rekor
// (a Rekor v1 or v2 server), or by default a local transparency log in
// the folder --log (a tessera POSIX log; its key is --log-key, created on
// first use with mode 0600, and a trusted_root.json naming it is written
// beside the folder and its path printed). Time: a Rekor v2 or local-log entry has no integrated time,
// and a strict verifier needs one: --tsa names an RFC 3161 authority
// (--tsa-chain puts its chain in the local log's trusted root); with the
// local log and no --tsa, a local authority does it (attest/signing/localtsa,
// served on 127.0.0.1 for the run; its key and chain are kept beside the
// log's key, created on first use, and named in the trusted root), so the
// offline default needs no network and no key but the signing key.
//
// Where the local log lives: --log, by default "transparency-log" in the
// state folder --state-dir, which defaults to $XDG_STATE_HOME/selfattest
// (when XDG_STATE_HOME is an absolute path), else
// $HOME/.local/state/selfattest, else the user configuration folder's
// selfattest (os.UserConfigDir; %AppData% on Windows). It is created with
// mode 0700. The log's private keys are never written to the current
// folder unless --log, --log-key or --state-dir names it, and never to the
// release folder: with the defaults, release writes only --out.
//
// With --trusted-root the bundle is verified before release exits, with
// package verify/sigstore and the signer's key or identity.
//
// --timeout (default 2m) is one deadline for the whole command: the
// release, the signing, the log and the services it calls.
//
// Exit codes: 0 released; 1 the bundle did not verify (--trusted-root);
// 2 bad usage or input (a key, chain or trusted root file that cannot be
// read, is not a regular file — refused without waiting on it — or is
// over its limit; on unix, a private key file — --key, --log-key, the
// local authority's — that group or others may read: chmod 600 it); 3 a
// service could not be reached, --timeout ran out, or an error release
// cannot classify (never 0 or 1).
package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/klog/v2"

	"github.com/ats-run/selfattest"
	anchortlog "github.com/ats-run/selfattest/anchor/tlog"
	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/attest/release"
	"github.com/ats-run/selfattest/attest/signing"
	"github.com/ats-run/selfattest/attest/signing/localtsa"
	"github.com/ats-run/selfattest/verify"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/trust"
)

const (
	exitOK         = 0
	exitRejected   = 1
	exitUsage      = 2
	exitCouldNotCk = 3
)

func main() {
	// tessera logs through klog; this program says what matters itself.
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv, os.Environ())
	stop()
	os.Exit(code)
}

var errUsage = selfattest.Beneath(selfattest.ErrBadInput, "usage")

// stateDir is the default --state-dir: $XDG_STATE_HOME/selfattest, else
// $HOME/.local/state/selfattest, else os.UserConfigDir()/selfattest.
func stateDir(getenv func(string) string) (string, error) {
	if x := getenv("XDG_STATE_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "selfattest"), nil
	}
	if h := getenv("HOME"); filepath.IsAbs(h) {
		return filepath.Join(h, ".local", "state", "selfattest"), nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("%w: no state folder for the local log (%w): give --state-dir or --log", errUsage, err)
	}
	return filepath.Join(d, "selfattest"), nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, environ []string) int {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		dist        = fs.String("dist", "", "the dist folder to release")
		version     = fs.String("version", "", "the release version, e.g. 1.0.1")
		out         = fs.String("out", "", "the release folder to write (must not exist)")
		keyFile     = fs.String("key", "", "the signing key: PKCS#8 PEM, ECDSA P-256 or Ed25519, mode 600")
		keyless     = fs.Bool("keyless", false, "sign keyless: Fulcio with the GitHub Actions OIDC token")
		fulcio      = fs.String("fulcio", "https://fulcio.sigstore.dev", "the Fulcio URL for --keyless")
		rekor       = fs.String("rekor", "", "a Rekor server to log to (default: the local log --log)")
		rekorV      = fs.Uint("rekor-version", 2, "the Rekor API version of --rekor: 1 or 2")
		tsa         = fs.String("tsa", "", "an RFC 3161 timestamp authority URL")
		tsaChain    = fs.String("tsa-chain", "", "the --tsa certificate chain (PEM, signing certificate first) to name in the local log's trusted_root.json")
		noLocalTSA  = fs.Bool("no-local-tsa", false, "with the local log and no --tsa, do not timestamp (the bundle then has no trusted time)")
		rootFile    = fs.String("trusted-root", "", "verify the bundle against this trusted root before exiting")
		stateFlag   = fs.String("state-dir", "", "the folder the local log, its keys and its trusted root are kept in (default: $XDG_STATE_HOME/selfattest, else ~/.local/state/selfattest)")
		logDir      = fs.String("log", "", "the local transparency log's folder, without --rekor (default: --state-dir's \"transparency-log\")")
		logOrigin   = fs.String("log-origin", "log.selfattest.invalid", "the local log's origin (a host name)")
		logKeyFile  = fs.String("log-key", "", "the local log's key file (default: the --log folder's name + \".key\", created on first use)")
		timeout     = fs.Duration("timeout", 2*time.Minute, "overall time limit for the whole command: release, signing, logging and every service call")
		integrity   = fs.String("integrity", "sha384", "the integrity attributes' algorithm: sha256, sha384 or sha512")
		jsonSummary = fs.Bool("json", false, "print the manifest's files as JSON")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "release: %v\n", err)
		if code := selfattest.ExitCode(err); code != exitCouldNotCk {
			return code
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			fmt.Fprintf(stderr, "release: could not finish: --timeout %s ran out\n", *timeout)
		}
		// A service that failed, the deadline, and any error this program
		// cannot classify: nothing was released and verified.
		return exitCouldNotCk
	}
	switch {
	case *dist == "" || *version == "" || *out == "":
		return fail(fmt.Errorf("%w: --dist, --version and --out are required", errUsage))
	case (*keyFile == "") == !*keyless:
		return fail(fmt.Errorf("%w: give --key or --keyless", errUsage))
	case fs.NArg() > 0:
		return fail(fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args()))
	}
	if *timeout <= 0 {
		return fail(fmt.Errorf("%w: --timeout %s: must be positive", errUsage, *timeout))
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	// The local log's folder, never the current folder by default.
	if *rekor == "" && *logDir == "" {
		dir := *stateFlag
		if dir == "" {
			d, err := stateDir(getenv)
			if err != nil {
				return fail(err)
			}
			dir = d
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fail(fmt.Errorf("%w: --state-dir: %w", errUsage, err))
		}
		*logDir = filepath.Join(dir, "transparency-log")
		// Before --state-dir, the default log was in the current folder.
		if _, err := os.Lstat("transparency-log.key"); err == nil {
			fmt.Fprintf(stderr, "release: using the local log in %s; the current folder's transparency-log.key is an older default's log, used only with --log transparency-log\n", dir)
		}
	}

	// The signer.
	opts := signing.Options{}
	var policy sigstore.Policy
	if *keyFile != "" {
		k, err := signing.ReadKey(*keyFile)
		if err != nil {
			return fail(fmt.Errorf("--key: %w", err))
		}
		opts.Key, policy = k, sigstore.Policy{Key: k.Public()}
	} else {
		opts.Keyless = &signing.Keyless{FulcioURL: *fulcio, Token: signing.GitHubActions(getenv, signing.ServiceOptions{})}
		repo, ref := getenv("GITHUB_REPOSITORY"), getenv("GITHUB_WORKFLOW_REF")
		policy = sigstore.Policy{Issuer: "https://token.actions.githubusercontent.com", SAN: "https://github.com/" + ref}
		if repo == "" || ref == "" {
			policy = sigstore.Policy{}
		}
	}
	// Timestamps: --tsa; or, with the local log and no --tsa, a local
	// authority (its key beside the log's), named in the log's trusted root.
	var rootTSAs []root.TimestampingAuthority
	switch {
	case *tsa != "":
		if err := signing.CheckServiceURL(*tsa); err != nil {
			return fail(fmt.Errorf("%w: --tsa: %w", errUsage, err))
		}
		opts.TimestampAuthorities = []*sign.TimestampAuthority{signing.NewTimestampAuthority(*tsa, signing.ServiceOptions{})}
		if *tsaChain != "" {
			t, err := anchortlog.ReadTimestampingAuthority(*tsaChain)
			if err != nil {
				return fail(fmt.Errorf("%w: --tsa-chain: %w", errUsage, err))
			}
			rootTSAs = append(rootTSAs, t)
		}
	case *rekor == "" && !*noLocalTSA:
		a, url, stop, err := localAuthority(ctx, filepath.Clean(*logDir)+".tsa.pem", *logOrigin, stderr)
		if err != nil {
			return fail(err)
		}
		defer stop()
		opts.TimestampAuthorities = []*sign.TimestampAuthority{signing.NewTimestampAuthority(url, signing.ServiceOptions{})}
		rootTSAs = append(rootTSAs, a.TrustedAuthority("http://127.0.0.1"+localtsa.Path))
	}

	// The predicate: SLSA provenance from GitHub Actions, or a local build.
	pred, err := provenance(getenv, environ)
	if err != nil {
		return fail(err)
	}
	mtime, err := release.SourceDateEpoch(getenv("SOURCE_DATE_EPOCH"))
	if err != nil {
		return fail(err)
	}
	alg := attest.Algorithm(*integrity)
	if alg.Size() == 0 {
		return fail(fmt.Errorf("%w: --integrity %q", errUsage, *integrity))
	}
	res, err := release.Build(ctx, *dist, *out, *version, pred, release.Options{Integrity: alg, ModTime: mtime})
	if err != nil {
		return fail(err)
	}
	for _, u := range res.Unrewritten {
		fmt.Fprintf(stderr, "release: left alone in %s: <%s> %q: %s\n", u.Page, u.Element, u.Ref, u.Reason)
	}

	// The log.
	if *rekor != "" {
		r, err := signing.NewRekor(*rekor, uint32(*rekorV), signing.ServiceOptions{})
		if err != nil {
			return fail(err)
		}
		opts.TransparencyLogs = []sign.Transparency{r}
	} else {
		l, closeLog, err := openLocalLog(ctx, *logDir, *logOrigin, *logKeyFile, rootTSAs, stderr)
		if err != nil {
			return fail(err)
		}
		defer closeLog()
		t, err := anchortlog.NewTransparency(l)
		if err != nil {
			return fail(err)
		}
		opts.TransparencyLogs = []sign.Transparency{t}
	}
	if len(opts.TimestampAuthorities) == 0 {
		fmt.Fprintln(stderr, "release: no timestamp authority: the bundle carries no trusted time, and a strict verifier (package verify) will refuse it")
	}

	b, err := signing.Statement(ctx, res.Statement, opts)
	if err != nil {
		return fail(err)
	}
	data, err := b.MarshalJSON()
	if err != nil {
		return fail(err)
	}
	bundlePath := filepath.Join(*out, release.BundleName)
	if err := os.WriteFile(bundlePath, data, 0o644); err != nil {
		return fail(err)
	}
	if !mtime.IsZero() {
		// Writing the bundle touched the folder: give both the release's time.
		for _, p := range []string{bundlePath, *out} {
			if err := os.Chtimes(p, mtime, mtime); err != nil {
				return fail(err)
			}
		}
	}

	if *rootFile != "" {
		if policy == (sigstore.Policy{}) {
			return fail(fmt.Errorf("%w: --trusted-root with --keyless needs GITHUB_REPOSITORY and GITHUB_WORKFLOW_REF to know the identity", errUsage))
		}
		if err := selfVerify(ctx, *rootFile, data, res.Manifest, *out, policy); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "verified: %s against %s\n", bundlePath, *rootFile)
	}
	if *jsonSummary {
		os.Stdout.Write(mustFormat(res.Manifest))
	} else {
		for _, f := range res.Manifest.Files {
			fmt.Fprintf(stdout, "%s  %s  %s\n", f.ContentPath, f.Integrity, f.Path)
		}
	}
	fmt.Fprintf(stdout, "released %s %s: %d files, statement %s, bundle %s\n", *dist, res.Manifest.Version, len(res.Manifest.Files), release.StatementName, release.BundleName)
	return exitOK
}

func mustFormat(m *release.Manifest) []byte {
	b, err := release.FormatManifest(m)
	if err != nil {
		panic(err) // Release wrote it: a broken invariant
	}
	return b
}

// provenance is SLSA provenance v1 from the GitHub Actions environment
// when release runs there, else a minimal provenance by hand naming this
// program as the builder.
func provenance(getenv func(string) string, environ []string) (intoto.Predicate, error) {
	if getenv("GITHUB_ACTIONS") == "true" {
		return intoto.GitHubProvenance(intoto.FromEnviron(environ))
	}
	params, err := structpb.NewStruct(map[string]any{"program": "selfattest examples/release"})
	if err != nil {
		return nil, err
	}
	return intoto.SLSAProvenance{Provenance: &slsa.Provenance{
		BuildDefinition: &slsa.BuildDefinition{
			BuildType:          "https://github.com/ats-run/selfattest/buildtypes/local-release/v1",
			ExternalParameters: params,
		},
		RunDetails: &slsa.RunDetails{Builder: &slsa.Builder{Id: "https://github.com/ats-run/selfattest/examples/release"}},
	}}, nil
}

// openLocalLog opens (or creates) the local log, its key beside the
// folder, and writes trusted_root.json beside it naming the log and tsas.
func openLocalLog(ctx context.Context, dir, origin, keyFile string, tsas []root.TimestampingAuthority, stderr io.Writer) (*anchortlog.Log, func(), error) {
	if keyFile == "" {
		keyFile = filepath.Clean(dir) + ".key"
	}
	key, created, err := anchortlog.LoadOrCreateKey(keyFile, origin)
	if err != nil {
		if errors.Is(err, anchortlog.ErrConfig) || errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			err = fmt.Errorf("%w: --log-key: %w", errUsage, err)
		}
		return nil, nil, err
	}
	if created {
		fmt.Fprintf(stderr, "release: created the local log's key %s (keep it: it is the log's identity)\n", keyFile)
	}
	l, err := anchortlog.Open(ctx, dir, origin, key, anchortlog.Options{})
	if err != nil {
		return nil, nil, err
	}
	closeLog := func() {
		c, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		l.Close(c)
	}
	tl, err := anchortlog.TrustedRootLog(origin, key.Public().(ed25519.PublicKey), time.Unix(0, 0))
	if err != nil {
		closeLog()
		return nil, nil, err
	}
	rootPath := filepath.Clean(dir) + ".trusted_root.json"
	if err := anchortlog.WriteTrustedRoot(rootPath, []*root.TransparencyLog{tl}, tsas...); err != nil {
		closeLog()
		return nil, nil, err
	}
	fmt.Fprintf(stderr, "release: the local log's trusted root: %s\n", rootPath)
	return l, closeLog, nil
}

// selfVerify verifies the bundle the way a user will: against the trusted
// root, for the manifest (a subject of the statement), with the signer's
// key or identity; and checks the release folder itself.
func selfVerify(ctx context.Context, rootFile string, bundleJSON []byte, m *release.Manifest, out string, p sigstore.Policy) error {
	tr, err := trust.FromFile(rootFile)
	if err != nil {
		return fmt.Errorf("%w: --trusted-root: %w", errUsage, err)
	}
	v, err := sigstore.NewVerifier(tr, sigstore.Options{})
	if err != nil {
		return err
	}
	b, err := sigstore.ParseBundle(bundleJSON)
	if err != nil {
		return err
	}
	p.PredicateType = intoto.SLSAProvenanceV1
	if _, err := v.Verify(ctx, b, sigstore.ArtifactFile(filepath.Join(out, release.ManifestName)), p); err != nil {
		return err
	}
	if _, err := release.Check(ctx, out, release.CheckOptions{}); err != nil {
		return fmt.Errorf("%w: %w", verify.ErrVerification, err)
	}
	return nil
}

// localAuthority loads the local timestamp authority kept at path (created
// on first use) and serves it on 127.0.0.1 for this run.
func localAuthority(ctx context.Context, path, origin string, stderr io.Writer) (*localtsa.Authority, string, func(), error) {
	a, created, err := localtsa.LoadOrCreate(path, origin+" timestamps", time.Now())
	if err != nil {
		if errors.Is(err, localtsa.ErrInvalid) || errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			err = fmt.Errorf("%w: %w", errUsage, err)
		}
		return nil, "", nil, err
	}
	if created {
		fmt.Fprintf(stderr, "release: created the local timestamp authority %s (its key: keep it as the log's)\n", path)
	}
	url, stop, err := a.Serve(ctx, time.Now)
	if err != nil {
		return nil, "", nil, err
	}
	return a, url, stop, nil
}
