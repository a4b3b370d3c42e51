package sigstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/trust"
)

// ExampleVerifier_Verify verifies the npm provenance of sigstore 1.3.0
// (a real bundle, see ../../testdata/sigstore/realworld/README.md)
// offline, against the embedded public-good root, and then the same
// bundle under a policy naming another workflow.
func ExampleVerifier_Verify() {
	dir := filepath.Join("..", "..", "testdata", "sigstore", "realworld", "npm")
	tr, err := trust.Embedded(trust.PublicGood)
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := sigstore.NewVerifier(tr, sigstore.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := sigstore.LoadBundle(filepath.Join(dir, "sigstore-1.3.0.provenance", "bundle.sigstore.json"))
	if err != nil {
		fmt.Println(err)
		return
	}
	artifact := sigstore.ArtifactFile(filepath.Join(dir, "sigstore-1.3.0.tgz"))
	p := sigstore.Policy{
		Issuer: "https://token.actions.githubusercontent.com",
		SAN:    "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
		GitHub: sigstore.GitHubClaims{Repository: "sigstore/sigstore-js", DenySelfHosted: true},
	}
	res, err := v.Verify(context.Background(), b, artifact, p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Signer.Certificate.SubjectAlternativeName)
	fmt.Println(res.Statement.PredicateType)
	for _, e := range res.LogEntries {
		fmt.Println(e.LogURL, e.Index, e.Kind)
	}

	p.SAN = "https://github.com/sigstore/sigstore-js/.github/workflows/evil.yml@refs/heads/main"
	_, err = v.Verify(context.Background(), b, artifact, p)
	fmt.Println(errors.Is(err, sigstore.ErrVerification))
	// Output:
	// https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main
	// https://slsa.dev/provenance/v0.2
	// https://rekor.sigstore.dev 18300934 intoto
	// true
}
