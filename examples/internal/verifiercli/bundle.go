package verifiercli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/ats-run/selfattest/verify"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/confirm"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
	"github.com/ats-run/selfattest/verify/tlog/rekorv1"
	"github.com/ats-run/selfattest/verify/trust"
)

const verifyBundleUsage = `--bundle FILE (--certificate-identity SAN | --certificate-identity-regexp RE)
        (--certificate-oidc-issuer URL | --certificate-oidc-issuer-regexp RE) [--trusted-root FILE] FILE_OR_DIGEST
   or: verifier verify-bundle --bundle FILE --key PUBKEY.pem [--trusted-root FILE] FILE_OR_DIGEST

FILE_OR_DIGEST is a digest when it is sha256:<64 hex>, sha384:<96 hex> or
sha512:<128 hex> (lower-case) and names no file on disk; otherwise a file.
Without --trusted-root the embedded public-good root (` + trust.PublicGood + `) is used.
Regular expressions must match the whole value.

--confirm-tiles and --confirm-rekor-v1 (each repeatable) confirm the verified
bundle online: the log's latest checkpoint, the entry's inclusion in it and
its consistency with the bundle's checkpoint. LOG names a log of the trusted
root by its base URL or its log ID (hex); the log is read from LOG itself, or
from URL when LOG=URL is given (a mirror). An entry whose log no flag names
is reported as not confirmed. Exit 1 when the log is rejected (a fork, a
rollback), 3 when it could not be checked.

--timeout (default 5m) is one deadline for the whole command, the online
confirmation included: when it runs out the command exits 3.`

// verifyBundle implements the Sigstore client conformance protocol
// (verify-bundle), with sha384/sha512 digests, GitHub workflow claims and
// reports on top.
func (e env) verifyBundle(ctx context.Context, args []string) int {
	fs := e.newFlagSet("verify-bundle", verifyBundleUsage)
	var rf reportFlags
	rf.register(fs, "Sigstore Verification Report")
	var bf bundleFlags
	bf.register(fs)
	bundlePath := fs.String("bundle", "", "the Sigstore bundle (`FILE`)")
	resultPath := fs.String("result", "", "also write the verified facts as JSON to `FILE`")
	timeout := fs.Duration("timeout", defaultTimeout, "overall time limit for the whole command, online confirmation included")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	if fs.NArg() != 1 || *bundlePath == "" {
		fs.Usage()
		return exitUsage
	}
	rf.stamp()
	input := fs.Arg(0)
	return e.withDeadline(ctx, *timeout, func(ctx context.Context) int {
		return e.verifyBundleRun(ctx, &rf, &bf, input, *bundlePath, *resultPath)
	})
}

// bundleFlags are the flags that say whom a bundle must be signed by and
// which logs to confirm it against: verify-bundle's, shared with verify.
type bundleFlags struct {
	policy            sigstore.Policy
	keyPath, rootPath string
	confirms          []confirmFlag
}

func (bf *bundleFlags) register(fs *flag.FlagSet) {
	p := &bf.policy
	fs.StringVar(&bf.keyPath, "key", "", "verify against this PEM public key (`FILE`) instead of a certificate identity")
	fs.StringVar(&bf.rootPath, "trusted-root", "", "trusted root `FILE` (default: the embedded "+trust.PublicGood+")")
	fs.StringVar(&p.SAN, "certificate-identity", "", "the certificate's subject alternative name, exactly")
	fs.StringVar(&p.SANRegexp, "certificate-identity-regexp", "", "a regular expression the whole SAN must match")
	fs.StringVar(&p.Issuer, "certificate-oidc-issuer", "", "the certificate's OIDC issuer, exactly")
	fs.StringVar(&p.IssuerRegexp, "certificate-oidc-issuer-regexp", "", "a regular expression the whole issuer must match")
	fs.StringVar(&p.GitHub.Repository, "github-repository", "", "GitHub source repository, OWNER/REPO")
	fs.StringVar(&p.GitHub.Ref, "github-ref", "", "git ref that was built, e.g. refs/tags/v1.0.1")
	fs.StringVar(&p.GitHub.Commit, "github-commit", "", "commit SHA that was built")
	fs.StringVar(&p.GitHub.Trigger, "github-trigger", "", "event that ran the workflow, e.g. push")
	fs.StringVar(&p.GitHub.Workflow, "github-workflow", "", "signing workflow, https://github.com/OWNER/REPO/.github/workflows/FILE@REF")
	fs.StringVar(&p.GitHub.WorkflowRegexp, "github-workflow-regexp", "", "a regular expression the whole signing workflow must match")
	fs.StringVar(&p.GitHub.RunnerEnvironment, "github-runner-environment", "", "github-hosted or self-hosted")
	fs.BoolVar(&p.GitHub.DenySelfHosted, "deny-self-hosted-runners", false, "refuse signatures made on self-hosted runners")
	fs.StringVar(&p.PredicateType, "predicate-type", "", "the in-toto predicate type the signed statement must have")
	fs.Func("confirm-tiles", "confirm online against a tlog-tiles log (Rekor v2): `LOG[=URL]`", func(v string) error {
		bf.confirms = append(bf.confirms, confirmFlag{kind: "tiles", value: v})
		return nil
	})
	fs.Func("confirm-rekor-v1", "confirm online against a Rekor v1 log: `LOG[=URL]`", func(v string) error {
		bf.confirms = append(bf.confirms, confirmFlag{kind: "rekor-v1", value: v})
		return nil
	})
}

// verifier loads the trusted root (--trusted-root, or the embedded public
// good one) and the policy's key (--key), and returns a verifier, the
// policy and the log sources of the --confirm-* flags.
func (bf *bundleFlags) verifier() (*sigstore.Verifier, sigstore.Policy, []confirm.LogSource, error) {
	p := bf.policy
	var tr *root.TrustedRoot
	var err error
	if bf.rootPath != "" {
		tr, err = trust.FromFile(bf.rootPath)
	} else {
		tr, err = trust.Embedded(trust.PublicGood)
	}
	if err != nil {
		return nil, p, nil, fmt.Errorf("%w: %w", verify.ErrBadInput, err)
	}
	if bf.keyPath != "" {
		if p.Key, err = sigstore.ReadPublicKeyPEM(bf.keyPath); err != nil {
			return nil, p, nil, err
		}
	}
	v, err := sigstore.NewVerifier(tr, sigstore.Options{})
	if err != nil {
		return nil, p, nil, err
	}
	sources, err := confirmSources(tr, bf.confirms)
	if err != nil {
		return nil, p, nil, err
	}
	return v, p, sources, nil
}

// verifyBundleRun is verify-bundle once its flags are parsed.
func (e env) verifyBundleRun(ctx context.Context, rf *reportFlags, bf *bundleFlags, input, bundlePath, resultPath string) int {
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "verifier: %v\n", err)
		return exitCode(err)
	}
	v, p, sources, err := bf.verifier()
	if err != nil {
		return fail(err)
	}
	art := sigstore.ArtifactFile(input)
	if _, statErr := os.Stat(input); statErr != nil && sigstore.IsArtifactDigest(input) {
		art, _ = sigstore.ParseArtifactDigest(input)
	}
	b, err := sigstore.LoadBundle(bundlePath)
	var res *sigstore.Result
	if err == nil {
		res, err = v.Verify(ctx, b, art, p)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "verifier: %v\n", err)
	}
	if res != nil && resultPath != "" {
		if werr := writeFile(resultPath, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(res)
		}); werr != nil {
			return fail(fmt.Errorf("%w: %w", verify.ErrBadInput, werr))
		}
	}
	r := sigstore.NewReport(rf.title, rf.details, input, p, res, err)
	if res != nil && len(bf.confirms) > 0 {
		c, cerr := confirm.Confirm(ctx, v, b, res, sources...)
		if cerr != nil {
			fmt.Fprintf(e.stderr, "verifier: %v\n", cerr)
			err = cerr
		}
		confirm.AddToReport(r, c, cerr)
	}
	return e.emit(r, *rf, exitCode(err))
}

// confirmFlag is one --confirm-tiles or --confirm-rekor-v1 value.
type confirmFlag struct {
	kind, value string
}

// confirmSources turns the --confirm-* flags into log sources: LOG is a
// log of the trusted root, by base URL or log ID; the log is read from
// URL, or from LOG when it is a URL.
func confirmSources(tr root.TrustedMaterial, flags []confirmFlag) ([]confirm.LogSource, error) {
	logs := tr.RekorLogs()
	var out []confirm.LogSource
	for _, f := range flags {
		name, at, mirror := strings.Cut(f.value, "=")
		var id string
		if verify.IsURL(name) {
			for lid, tl := range logs {
				if strings.TrimSuffix(tl.BaseURL, "/") == strings.TrimSuffix(name, "/") {
					id = lid
				}
			}
		} else if _, ok := logs[strings.ToLower(name)]; ok {
			id = strings.ToLower(name)
		}
		if id == "" {
			return nil, fmt.Errorf("%w: --confirm-%s %s: the trusted root names no log with that base URL or log ID", errUsage, f.kind, safe(name))
		}
		if !mirror {
			if !verify.IsURL(name) {
				return nil, fmt.Errorf("%w: --confirm-%s %s: give the URL to read the log from, as LOG=URL", errUsage, f.kind, safe(name))
			}
			at = name
		}
		if f.kind == "tiles" {
			hf, err := logfetch.NewHTTPFetcher(at, logfetch.HTTPOptions{})
			if err != nil {
				return nil, fmt.Errorf("%w: --confirm-tiles: %w", errUsage, err)
			}
			out = append(out, confirm.TilesLog(id, hf))
			continue
		}
		hf, err := rekorv1.NewHTTPFetcher(at, logfetch.HTTPOptions{})
		if err != nil {
			return nil, fmt.Errorf("%w: --confirm-rekor-v1: %w", errUsage, err)
		}
		out = append(out, confirm.RekorV1Log(id, hf))
	}
	return out, nil
}
