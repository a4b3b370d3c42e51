package sigstore_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/ats-run/selfattest/internal/rekorv2"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
	"github.com/ats-run/selfattest/verify/trust"
)

// TestRekorV2 signs to a real Rekor v2 server (rekor-tiles' POSIX log on
// 127.0.0.1, built by .ci/rekor-server.sh) with sigstore-go's signer,
// timestamps the signature with an in-process RFC 3161 authority, and
// verifies the bundle with our verifier: as signed, then with each piece of
// evidence tampered with, then against the log's own files read back over
// HTTP.
func TestRekorV2(t *testing.T) {
	srv := rekorv2.Start(t, rekorv2.Options{})
	tsa := rekorv2.StartTSA(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	artifact := []byte("selfattest: an artifact logged to a real Rekor v2\n")
	signTo := func(t *testing.T, withTSA bool) []byte {
		t.Helper()
		opts := sign.BundleOptions{
			Context:          ctx,
			TransparencyLogs: []sign.Transparency{sign.NewRekor(&sign.RekorOptions{BaseURL: srv.URL, Version: 2, Timeout: 10 * time.Second})},
		}
		if withTSA {
			opts.TimestampAuthorities = []*sign.TimestampAuthority{sign.NewTimestampAuthority(&sign.TimestampAuthorityOptions{URL: tsa.URL, Timeout: 10 * time.Second})}
		}
		pb, err := sign.Bundle(&sign.PlainData{Data: artifact}, kp, opts)
		if err != nil {
			t.Fatalf("signing to %s: %v", srv.URL, err)
		}
		b, err := (&bundle.Bundle{Bundle: pb}).MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	root := func(t *testing.T, roots ...rekorv2.Root) *sigstore.Verifier {
		t.Helper()
		tr, err := trust.FromJSON(rekorv2.Root{}.Merge(roots...).JSON())
		if err != nil {
			t.Fatal(err)
		}
		v, err := sigstore.NewVerifier(tr, sigstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	good := root(t, srv.Root(), tsa.Root())
	policy := sigstore.Policy{Key: kp.GetPublicKey()}
	check := func(v *sigstore.Verifier, data []byte, art []byte) (*sigstore.Result, error) {
		b, err := sigstore.ParseBundle(data)
		if err != nil {
			return nil, err
		}
		return v.Verify(ctx, b, sigstore.ArtifactReader(bytes.NewReader(art)), policy)
	}

	// The first entry (index 0) carries no RFC 3161 timestamp: Rekor v2
	// gives no integrated time, so the strict default finds no trusted
	// time. It also gives the second entry a sibling, so that its
	// inclusion proof has a hash to tamper with.
	noTSA := signTo(t, false)
	t.Run("no timestamp authority", func(t *testing.T) {
		_, err := check(good, noTSA, artifact)
		rejectedBySigstoreGo(t, "verify", err)
		t.Logf("rejected as expected (no trusted time): %v", err)
	})

	signed := signTo(t, true)
	var b map[string]any
	if err := json.Unmarshal(signed, &b); err != nil {
		t.Fatal(err)
	}
	if got := rv2At(t, b, "mediaType"); got != "application/vnd.dev.sigstore.bundle.v0.3+json" {
		t.Fatalf("mediaType %v", got)
	}
	if kv := rv2At(t, b, "verificationMaterial", "tlogEntries", 0, "kindVersion"); fmt.Sprint(kv) != "map[kind:hashedrekord version:0.0.2]" {
		t.Fatalf("kindVersion %v", kv)
	}

	t.Run("verifies", func(t *testing.T) {
		res, err := check(good, signed, artifact)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if len(res.LogEntries) != 1 || len(res.Timestamps) == 0 {
			t.Fatalf("result %+v: want one log entry and a timestamp", res)
		}
		for _, ts := range res.Timestamps {
			if ts.Kind != "tsa" {
				t.Errorf("timestamp %+v: a Rekor v2 entry has no integrated time", ts)
			}
		}
		got, _ := json.Marshal(res)
		t.Logf("result: %s", got)
	})
	t.Run("verifies by digest", func(t *testing.T) {
		b, err := sigstore.ParseBundle(signed)
		if err != nil {
			t.Fatal(err)
		}
		d, err := sigstore.ParseArtifactDigest("sha256:" + rv2SHA256Hex(artifact))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := good.Verify(ctx, b, d, policy); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})

	otherKey, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	start := srv.Started.Add(-time.Minute)
	for _, tc := range []struct {
		name     string
		edit     func(t *testing.T, b map[string]any)
		artifact []byte
		verifier *sigstore.Verifier
		want     func(t *testing.T, step string, err error)
	}{
		{
			name:     "flipped artifact byte",
			artifact: append([]byte{artifact[0] ^ 1}, artifact[1:]...),
			want:     rejectedBySigstoreGo,
		},
		{
			name: "flipped inclusion proof hash",
			edit: func(t *testing.T, b map[string]any) {
				rv2FlipB64(t, b, "verificationMaterial", "tlogEntries", 0, "inclusionProof", "hashes", 0)
			},
			want: rejectedBySigstoreGo,
		},
		{
			name: "changed inclusion proof root hash",
			edit: func(t *testing.T, b map[string]any) {
				rv2FlipB64(t, b, "verificationMaterial", "tlogEntries", 0, "inclusionProof", "rootHash")
			},
			want: checkpointMismatch,
		},
		{
			name: "flipped checkpoint signature",
			edit: func(t *testing.T, b map[string]any) {
				path := []any{"verificationMaterial", "tlogEntries", 0, "inclusionProof", "checkpoint", "envelope"}
				rv2Set(t, b, rv2FlipNoteSig(t, rv2At(t, b, path...).(string)), path...)
			},
			want: rejectedBySigstoreGo,
		},
		{
			name: "flipped canonicalized body",
			edit: func(t *testing.T, b map[string]any) {
				rv2FlipB64(t, b, "verificationMaterial", "tlogEntries", 0, "canonicalizedBody")
			},
			// sigstore-go v1.3.0 rebuilds a Rekor v2 entry's leaf from the
			// bundle's signature, key and digest and never compares
			// canonicalizedBody with it; Verify checks the body against the
			// inclusion proof itself.
			want: rejected,
		},
		{
			name: "flipped RFC 3161 timestamp",
			edit: func(t *testing.T, b map[string]any) {
				rv2FlipB64(t, b, "verificationMaterial", "timestampVerificationData", "rfc3161Timestamps", 0, "signedTimestamp")
			},
			want: rejected,
		},
		{
			name:     "trusted root naming another log key",
			verifier: root(t, rekorv2.Root{Tlogs: []json.RawMessage{rekorv2.TlogEntry(srv.Origin, otherKey, start)}}, tsa.Root()),
			want:     rejectedBySigstoreGo,
		},
		{
			name:     "trusted root naming another origin",
			verifier: root(t, rekorv2.Root{Tlogs: []json.RawMessage{rekorv2.TlogEntry("other."+srv.Origin, srv.PublicKey, start)}}, tsa.Root()),
			want:     rejectedBySigstoreGo,
		},
		{
			name:     "trusted root without the timestamp authority",
			verifier: root(t, srv.Root()),
			want:     rejectedBySigstoreGo,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := signed
			if tc.edit != nil {
				var m map[string]any
				if err := json.Unmarshal(signed, &m); err != nil {
					t.Fatal(err)
				}
				tc.edit(t, m)
				var err error
				if data, err = json.Marshal(m); err != nil {
					t.Fatal(err)
				}
			}
			art, v := artifact, good
			if tc.artifact != nil {
				art = tc.artifact
			}
			if tc.verifier != nil {
				v = tc.verifier
			}
			res, err := check(v, data, art)
			if err == nil {
				t.Fatalf("accepted: %+v", res)
			}
			tc.want(t, "verify", err)
			t.Logf("rejected: %v", err)
		})
	}

	t.Run("log files", func(t *testing.T) {
		entry := rv2At(t, b, "verificationMaterial", "tlogEntries", 0).(map[string]any)
		body := rv2B64(t, entry, "canonicalizedBody")
		index := rv2Int(t, entry, "logIndex")
		size := rv2Int(t, entry, "inclusionProof", "treeSize")
		rootHash := rv2B64(t, entry, "inclusionProof", "rootHash")

		// The published checkpoint is the one the bundle carries (no
		// entry came after), and names the origin, size and root.
		logFiles, err := logfetch.NewHTTPFetcher(srv.TilesURL, logfetch.HTTPOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cp, err := logFiles.Checkpoint(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		want := rv2At(t, entry, "inclusionProof", "checkpoint", "envelope").(string)
		if string(cp) != want {
			t.Errorf("checkpoint served:\n%s\nin the bundle:\n%s", cp, want)
		}
		lines := strings.SplitN(string(cp), "\n", 4)
		if len(lines) < 4 || lines[0] != srv.Origin || lines[1] != strconv.FormatInt(size, 10) || lines[2] != base64.StdEncoding.EncodeToString(rootHash) {
			t.Errorf("checkpoint %q: want origin %s, size %d, root %x", cp, srv.Origin, size, rootHash)
		}

		// The entry bundle holds the entry byte for byte, and its RFC 6962
		// leaf hash is included under the checkpoint's root.
		var partial uint8 // 0: a full bundle of 256 entries
		if w := size - index/256*256; w < 256 {
			partial = uint8(w)
		}
		raw, err := logFiles.EntryBundle(t.Context(), uint64(index/256), partial)
		if err != nil {
			t.Fatal(err)
		}
		items, err := tlog.ParseEntryBundle(raw, partial)
		if err != nil {
			t.Fatal(err)
		}
		if int(index%256) >= len(items) {
			t.Fatalf("entry bundle has %d items, want index %d", len(items), index)
		}
		if item := items[index%256]; !bytes.Equal(item, body) {
			t.Errorf("entry %d in the log:\n%s\ncanonicalizedBody:\n%s", index, item, body)
		}
		var hashes [][]byte
		for i := range rv2At(t, entry, "inclusionProof", "hashes").([]any) {
			hashes = append(hashes, rv2B64(t, entry, "inclusionProof", "hashes", i))
		}
		leaf := rfc6962.DefaultHasher.HashLeaf(body)
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(index), uint64(size), leaf, hashes, rootHash); err != nil {
			t.Errorf("inclusion of the log's entry: %v", err)
		}
	})
}

// rv2FlipNoteSig flips a bit of the first signature of a signed note,
// after its four-byte key hint.
func rv2FlipNoteSig(t *testing.T, note string) string {
	t.Helper()
	text, sigs, ok := strings.Cut(note, "\n\n")
	if !ok {
		t.Fatalf("not a signed note: %q", note)
	}
	line, rest, _ := strings.Cut(sigs, "\n")
	i := strings.LastIndex(line, " ")
	sig, err := base64.StdEncoding.DecodeString(line[i+1:])
	if err != nil || len(sig) < 5 {
		t.Fatalf("signature line %q: %v", line, err)
	}
	sig[len(sig)-1] ^= 1
	return text + "\n\n" + line[:i+1] + base64.StdEncoding.EncodeToString(sig) + "\n" + rest
}

// rv2At walks decoded JSON by object keys and array indexes.
func rv2At(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object at %q", path, k)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("%v: no %q", path, k)
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("%v: no item %d", path, k)
			}
			v = a[k]
		}
	}
	return v
}

func rv2Set(t *testing.T, v any, val any, path ...any) {
	t.Helper()
	parent := rv2At(t, v, path[:len(path)-1]...)
	switch k := path[len(path)-1].(type) {
	case string:
		parent.(map[string]any)[k] = val
	case int:
		parent.([]any)[k] = val
	}
}

func rv2B64(t *testing.T, v any, path ...any) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(rv2At(t, v, path...).(string))
	if err != nil {
		t.Fatalf("%v: %v", path, err)
	}
	return b
}

func rv2FlipB64(t *testing.T, v any, path ...any) {
	t.Helper()
	b := rv2B64(t, v, path...)
	b[len(b)/2] ^= 1
	rv2Set(t, v, base64.StdEncoding.EncodeToString(b), path...)
}

// rv2Int reads an int64, which protojson writes as a string.
func rv2Int(t *testing.T, v any, path ...any) int64 {
	t.Helper()
	s, ok := rv2At(t, v, path...).(string)
	if !ok {
		t.Fatalf("%v: not a string", path)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%v: %v", path, err)
	}
	return n
}

func rv2SHA256Hex(b []byte) string {
	return fmt.Sprintf("%x", sha256.Sum256(b))
}
