package sigstore_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/ats-run/selfattest/internal/clitest"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/confirm"
	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
	"github.com/ats-run/selfattest/verify/tlog/rekorv1"
	"github.com/ats-run/selfattest/verify/trust"
)

// A fake of the two Rekor v1 REST calls a confirmation reads, GET
// /api/v1/log and GET /api/v1/log/proof, in Rekor's wire format (see
// verify/tlog/rekorv1.go and rekorv1_fake_test.go there), serving real
// signed tree heads: the checkpoints of captured public-good bundles.
type confirmV1Shard struct {
	RootHash       string `json:"rootHash"`
	SignedTreeHead string `json:"signedTreeHead"`
	TreeID         string `json:"treeID"`
	TreeSize       int64  `json:"treeSize"`
}

type confirmV1Log struct {
	logInfo []byte
	proofs  map[string][]byte // by "treeID/first-last"
}

func (f *confirmV1Log) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/log":
		w.Write(f.logInfo)
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/log/proof":
		p, ok := f.proofs[q.Get("treeID")+"/"+q.Get("firstSize")+"-"+q.Get("lastSize")]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"code":400,"message":"no such proof"}`))
			return
		}
		w.Write(p)
	default:
		http.NotFound(w, r)
	}
}

func (f *confirmV1Log) start(t *testing.T) *rekorv1.HTTPFetcher {
	t.Helper()
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return confirmV1Fetcher(t, srv.URL)
}

func confirmV1Fetcher(t *testing.T, base string) *rekorv1.HTTPFetcher {
	t.Helper()
	hf, err := rekorv1.NewHTTPFetcher(base, logfetch.HTTPOptions{Transport: confirmTransport(t), Retries: -1, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return hf
}

// htmlServer starts a loopback server that answers every request with a
// web page and status 200, as a captive portal or a misconfigured mirror
// does, and returns its URL.
func htmlServer(t *testing.T) string { return htmlServerAs(t, "text/html; charset=utf-8") }

// htmlServerAs is htmlServer with the Content-Type it names.
func htmlServerAs(t *testing.T, contentType string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		io.WriteString(w, "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><p>Please sign in.</p></body></html>\n")
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// shardOf is the log info shard a bundle's checkpoint makes.
func shardOf(t *testing.T, b *bundle.Bundle) confirmV1Shard {
	t.Helper()
	p := b.GetVerificationMaterial().GetTlogEntries()[0].GetInclusionProof()
	env := p.GetCheckpoint().GetEnvelope()
	origin, _, _ := strings.Cut(env, "\n")
	_, id, ok := strings.Cut(origin, " - ")
	if !ok {
		t.Fatalf("checkpoint origin %q", origin)
	}
	return confirmV1Shard{RootHash: hex.EncodeToString(p.GetRootHash()), SignedTreeHead: env, TreeID: id, TreeSize: p.GetTreeSize()}
}

func logInfoJSON(t *testing.T, active confirmV1Shard, inactive ...confirmV1Shard) []byte {
	t.Helper()
	if inactive == nil {
		inactive = []confirmV1Shard{}
	}
	b, err := json.Marshal(struct {
		confirmV1Shard
		InactiveShards []confirmV1Shard `json:"inactiveShards"`
	}{active, inactive})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestConfirmRekorV1 confirms captured public-good bundles against a fake
// Rekor v1 serving the shard's real signed tree heads: a log whose latest
// checkpoint is the bundle's, a frozen shard, and the lies a log or a
// network can tell.
func TestConfirmRekorV1(t *testing.T) {
	rw := filepath.Join("..", "..", "testdata", "sigstore", "realworld")
	tr, err := trust.FromFile(filepath.Join(rw, "trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := sigstore.NewVerifier(tr, sigstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	load := func(name string) (*bundle.Bundle, *sigstore.Result) {
		t.Helper()
		b, err := sigstore.LoadBundle(filepath.Join(rw, "sigstore-js", name, "bundle.sigstore.json"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := v.Verify(ctx, b, sigstore.ArtifactFile(filepath.Join(rw, "sigstore-js", "sigstore-1.0.0.tgz")),
			sigstore.Policy{SAN: "brian@dehamer.com", Issuer: "https://github.com/login/oauth"})
		if err != nil {
			t.Fatalf("%s: Verify: %v", name, err)
		}
		return b, res
	}
	// Two bundles of one shard: newer at size 23082684, older at 23081551.
	newer, newerRes := load("bundleV03-dsse")
	older, olderRes := load("bundleV03-intoto")
	newerShard, olderShard := shardOf(t, newer), shardOf(t, older)
	if newerShard.TreeSize <= olderShard.TreeSize || newerShard.TreeID != olderShard.TreeID {
		t.Fatalf("shards %+v and %+v", newerShard, olderShard)
	}
	logID := newerRes.LogEntries[0].LogID

	t.Run("latest is the bundle's checkpoint", func(t *testing.T) {
		f := &confirmV1Log{logInfo: logInfoJSON(t, newerShard)}
		c, err := confirm.Confirm(ctx, v, newer, newerRes, confirm.RekorV1Log(logID, f.start(t)))
		if err != nil {
			t.Fatalf("Confirm: %v", err)
		}
		e := c.Entries[0]
		if e.Status != confirm.StatusConfirmed || e.Method != confirm.MethodRekorV1 || e.Latest.Size != uint64(newerShard.TreeSize) ||
			e.InclusionSize != e.Bundle.Size || len(e.InclusionProof) == 0 || len(e.ConsistencyProof) != 0 || e.LogURL != "https://rekor.sigstore.dev" {
			t.Fatalf("entry %+v", e)
		}
	})
	t.Run("frozen shard", func(t *testing.T) {
		active := newerShard // the log has moved on to another shard
		active.TreeID = "1193050959916656506"
		f := &confirmV1Log{logInfo: logInfoJSON(t, active, newerShard)}
		c, err := confirm.Confirm(ctx, v, newer, newerRes, confirm.RekorV1Log(logID, f.start(t)))
		if err != nil {
			t.Fatalf("Confirm: %v", err)
		}
		if e := c.Entries[0]; e.Status != confirm.StatusConfirmed {
			t.Fatalf("entry %+v", e)
		}
	})

	flipSig := func(s confirmV1Shard) confirmV1Shard {
		text, sigs, _ := strings.Cut(s.SignedTreeHead, "\n\n")
		line, rest, _ := strings.Cut(sigs, "\n")
		i := strings.LastIndex(line, " ")
		sig, _ := base64.StdEncoding.DecodeString(line[i+1:])
		sig[len(sig)-1] ^= 1
		s.SignedTreeHead = text + "\n\n" + line[:i+1] + base64.StdEncoding.EncodeToString(sig) + "\n" + rest
		return s
	}
	otherActive := newerShard // a log info whose active shard is another one
	otherActive.TreeID = "1193050959916656506"
	wrongSize := newerShard
	wrongSize.TreeSize++
	bogus := map[string][]byte{
		fmt.Sprintf("%s/%d-%d", olderShard.TreeID, olderShard.TreeSize, newerShard.TreeSize): []byte(
			`{"rootHash":"` + newerShard.RootHash + `","hashes":["` + olderShard.RootHash + `","` + newerShard.RootHash + `"]}`),
	}
	for _, tc := range []struct {
		name   string
		b      *bundle.Bundle
		res    *sigstore.Result
		log    *confirmV1Log
		target any
	}{
		{"rollback to an older signed tree head", newer, newerRes, &confirmV1Log{logInfo: logInfoJSON(t, olderShard)}, new(*tlog.RollbackError)},
		{"consistency proof that does not reconcile", older, olderRes, &confirmV1Log{logInfo: logInfoJSON(t, newerShard), proofs: bogus}, new(*tlog.InconsistencyError)},
		{"signed tree head with a flipped signature", newer, newerRes, &confirmV1Log{logInfo: logInfoJSON(t, flipSig(newerShard))}, new(*tlog.SignatureError)},
		{"log info size that is not the signed one", newer, newerRes, &confirmV1Log{logInfo: logInfoJSON(t, wrongSize)}, new(*rekorv1.Error)},
		{"frozen shard with a flipped signature", newer, newerRes, &confirmV1Log{logInfo: logInfoJSON(t, otherActive, flipSig(newerShard))}, new(*tlog.SignatureError)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := confirm.Confirm(ctx, v, tc.b, tc.res, confirm.RekorV1Log(logID, tc.log.start(t)))
			if c != nil {
				t.Fatalf("accepted: %+v", c)
			}
			wantConfirmRejected(t, err, tc.target)
		})
	}

	for _, tc := range []struct {
		name string
		f    *rekorv1.HTTPFetcher
	}{
		{"unreachable server", confirmV1Fetcher(t, clitest.DeadURL(t))},
		// A mirror that answers every request with a web page (status
		// 200, text/html) is not a Rekor: nothing was checked.
		{"HTML page for every request", confirmV1Fetcher(t, htmlServer(t))},
		{"HTML page served as JSON", confirmV1Fetcher(t, htmlServerAs(t, "application/json"))},
		{"no consistency proof served", (&confirmV1Log{logInfo: logInfoJSON(t, newerShard)}).start(t)},
		{"shard not listed", (&confirmV1Log{logInfo: logInfoJSON(t, confirmV1Shard{
			RootHash: newerShard.RootHash, SignedTreeHead: newerShard.SignedTreeHead, TreeID: "1193050959916656506", TreeSize: 1})}).start(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, res := newer, newerRes
			if tc.name == "no consistency proof served" {
				b, res = older, olderRes
			}
			c, err := confirm.Confirm(ctx, v, b, res, confirm.RekorV1Log(logID, tc.f))
			if c != nil {
				t.Fatalf("accepted: %+v", c)
			}
			r := wantConfirmUnchecked(t, err)
			if !errors.Is(err, tlog.ErrUnavailable) || r.Entries[0].Status != confirm.StatusCouldNotCheck {
				t.Fatalf("err %v, entries %+v", err, r.Entries)
			}
		})
	}

	t.Run("inclusion promise only", func(t *testing.T) {
		b, err := sigstore.LoadBundle(filepath.Join(rw, "sigstore-js", "bundleV01-dsse-no-proof", "bundle.sigstore.json"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := v.Verify(ctx, b, sigstore.ArtifactFile(filepath.Join(rw, "sigstore-js", "sigstore-1.0.0.tgz")),
			sigstore.Policy{SAN: "brian@dehamer.com", Issuer: "https://github.com/login/oauth"})
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		f := &confirmV1Log{logInfo: logInfoJSON(t, newerShard)}
		hf := f.start(t)
		// A source that reads no entries: the promise cannot be checked.
		noEntries := confirm.LogSource{LogID: logID, RekorV1: &confirm.RekorV1Source{LogInfo: hf.LogInfo, ConsistencyProof: hf.ConsistencyProof}}
		_, err = confirm.Confirm(ctx, v, b, res, noEntries)
		r := wantConfirmUnchecked(t, err)
		if e := r.Entries[0]; e.Status != confirm.StatusNotConfirmed || !strings.Contains(e.Reason, "inclusion promise only") {
			t.Fatalf("entry %+v", e)
		}
		// A log that does not serve the entry: could not check, never a pass.
		_, err = confirm.Confirm(ctx, v, b, res, confirm.RekorV1Log(logID, hf))
		r = wantConfirmUnchecked(t, err)
		if e := r.Entries[0]; e.Status != confirm.StatusCouldNotCheck || e.Method != confirm.MethodRekorV1Entry || !errors.Is(err, tlog.ErrUnavailable) {
			t.Fatalf("err %v, entry %+v", err, e)
		}
	})
}
