package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/ats-run/selfattest/verify"
	"github.com/ats-run/selfattest/verify/report"
	"github.com/ats-run/selfattest/verify/trust"
)

const verifyBundleUsage = `--bundle FILE (--certificate-identity SAN | --certificate-identity-regexp RE)
        (--certificate-oidc-issuer URL | --certificate-oidc-issuer-regexp RE) [--trusted-root FILE] FILE_OR_DIGEST
   or: verifier verify-bundle --bundle FILE --key PUBKEY.pem [--trusted-root FILE] FILE_OR_DIGEST

FILE_OR_DIGEST is a digest when it is sha256:<64 hex>, sha384:<96 hex> or
sha512:<128 hex> (lower-case) and names no file on disk; otherwise a file.
Without --trusted-root the embedded public-good root (` + trust.PublicGood + `) is used.
Regular expressions must match the whole value.`

// verifyBundle implements the Sigstore client conformance protocol
// (verify-bundle), with sha384/sha512 digests, GitHub workflow claims and
// reports on top.
func (e env) verifyBundle(ctx context.Context, args []string) int {
	fs := e.newFlagSet("verify-bundle", verifyBundleUsage)
	var rf reportFlags
	rf.register(fs, "Sigstore Verification Report")
	var p verify.Policy
	bundlePath := fs.String("bundle", "", "the Sigstore bundle (`FILE`)")
	keyPath := fs.String("key", "", "verify against this PEM public key (`FILE`) instead of a certificate identity")
	rootPath := fs.String("trusted-root", "", "trusted root `FILE` (default: the embedded "+trust.PublicGood+")")
	resultPath := fs.String("result", "", "also write the verified facts as JSON to `FILE`")
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
	if c := parse(fs, args); c >= 0 {
		return c
	}
	if fs.NArg() != 1 || *bundlePath == "" {
		fs.Usage()
		return exitUsage
	}
	rf.stamp()
	input := fs.Arg(0)

	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "verifier: %v\n", err)
		return exitCode(err)
	}
	var tr *root.TrustedRoot
	var err error
	if *rootPath != "" {
		tr, err = trust.FromFile(*rootPath)
	} else {
		tr, err = trust.Embedded(trust.PublicGood)
	}
	if err != nil {
		return fail(fmt.Errorf("%w: %w", verify.ErrBadInput, err))
	}
	if *keyPath != "" {
		pem, err := os.ReadFile(*keyPath)
		if err != nil {
			return fail(fmt.Errorf("%w: %w", verify.ErrBadInput, err))
		}
		if p.Key, err = verify.ParsePublicKeyPEM(pem); err != nil {
			return fail(err)
		}
	}
	art := verify.ArtifactFile(input)
	if _, statErr := os.Stat(input); statErr != nil && verify.IsArtifactDigest(input) {
		art, _ = verify.ParseArtifactDigest(input)
	}
	v, err := verify.NewSigstoreVerifier(tr, verify.SigstoreOptions{})
	if err != nil {
		return fail(err)
	}
	b, err := verify.LoadBundle(*bundlePath)
	var res *verify.SigstoreResult
	if err == nil {
		res, err = v.Verify(ctx, b, art, p)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "verifier: %v\n", err)
	}
	if res != nil && *resultPath != "" {
		if werr := writeFile(*resultPath, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(res)
		}); werr != nil {
			return fail(fmt.Errorf("%w: %w", verify.ErrBadInput, werr))
		}
	}
	r := report.FromSigstore(rf.title, rf.details, input, p, res, err)
	return e.emit(r, rf, exitCode(err))
}
