package confirm_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/confirm"
	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
	"github.com/ats-run/selfattest/verify/tlog/rekorv1"
	"github.com/ats-run/selfattest/verify/trust"
)

// ExampleConfirm verifies a real public-good bundle (see
// ../../../testdata/sigstore/realworld/README.md) offline, then confirms
// it against a stand-in for Rekor v1 on 127.0.0.1 whose latest signed
// tree head is the bundle's own: confirmed. The same stand-in then shows
// an older tree head of that log as its latest — a rollback, which no
// append-only log can show — and Confirm rejects it.
func ExampleConfirm() {
	dir := filepath.Join("..", "..", "..", "testdata", "sigstore", "realworld")
	tr, err := trust.FromFile(filepath.Join(dir, "trusted_root.json"))
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := sigstore.NewVerifier(tr, sigstore.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	b, err := sigstore.LoadBundle(filepath.Join(dir, "sigstore-js", "bundleV03-dsse", "bundle.sigstore.json"))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := v.Verify(ctx, b, sigstore.ArtifactFile(filepath.Join(dir, "sigstore-js", "sigstore-1.0.0.tgz")),
		sigstore.Policy{SAN: "brian@dehamer.com", Issuer: "https://github.com/login/oauth"})
	if err != nil {
		fmt.Println(err)
		return
	}
	older, err := sigstore.LoadBundle(filepath.Join(dir, "sigstore-js", "bundleV03-intoto", "bundle.sigstore.json"))
	if err != nil {
		fmt.Println(err)
		return
	}

	// The stand-in log answers GET /api/v1/log with the signed tree head
	// of latest, as Rekor v1 does. (The output's log index, origin and
	// size are those the bundle file states.)
	latest := b
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/log" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(logInfo(latest))
	}))
	defer srv.Close()
	f, err := rekorv1.NewHTTPFetcher(srv.URL, logfetch.HTTPOptions{Retries: -1})
	if err != nil {
		fmt.Println(err)
		return
	}
	src := confirm.RekorV1Log(res.LogEntries[0].LogID, f)

	c, err := confirm.Confirm(ctx, v, b, res, src)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range c.Entries {
		fmt.Println(e.LogURL, e.Index, e.Status, e.Method)
		fmt.Println("latest:", e.Latest.Origin, e.Latest.Size)
	}

	latest = older
	_, err = confirm.Confirm(ctx, v, b, res, src)
	var rollback *tlog.RollbackError
	fmt.Println(errors.Is(err, sigstore.ErrVerification), errors.As(err, &rollback))
	// Output:
	// https://rekor.sigstore.dev 27246114 confirmed rekor-v1-consistency
	// latest: rekor.sigstore.dev - 2605736670972794746 23082684
	// true true
}

// logInfo is Rekor v1's answer to GET /api/v1/log for a log whose latest
// signed tree head is the checkpoint of b's first entry.
func logInfo(b *bundle.Bundle) []byte {
	p := b.GetVerificationMaterial().GetTlogEntries()[0].GetInclusionProof()
	env := p.GetCheckpoint().GetEnvelope()
	origin, _, _ := strings.Cut(env, "\n")
	_, treeID, _ := strings.Cut(origin, " - ")
	out, _ := json.Marshal(map[string]any{
		"rootHash":       hex.EncodeToString(p.GetRootHash()),
		"signedTreeHead": env,
		"treeID":         treeID,
		"treeSize":       p.GetTreeSize(),
		"inactiveShards": []any{},
	})
	return out
}
