package sigstore_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	rekorpb "github.com/sigstore/rekor-tiles/v2/pkg/generated/protobuf"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/watch"
	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
	"github.com/ats-run/selfattest/verify/tlog/monitor"
)

// ghClaims are the GitHub facts a watch-test certificate carries.
type ghClaims struct {
	san, issuer, repo, ref string
}

func releaseClaims(san string) ghClaims {
	return ghClaims{san: san, issuer: ghIssuer, repo: "https://github.com/example/app", ref: "refs/heads/main"}
}

// ghCert issues a Fulcio-like certificate for pub from ca (no SCT: the
// matcher does not look for one).
func ghCert(t testing.TB, ca *fakeCA, pub crypto.PublicKey, c ghClaims) *x509.Certificate {
	t.Helper()
	san, err := url.Parse(c.san)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	return createCert(t, &x509.Certificate{
		SerialNumber: serial, NotBefore: now.Add(-time.Minute), NotAfter: now.Add(10 * time.Minute),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		URIs: []*url.URL{san},
		ExtraExtensions: []pkix.Extension{
			{Id: certificate.OIDIssuerV2, Value: derString(t, c.issuer)},
			{Id: certificate.OIDBuildSignerURI, Value: derString(t, c.san)},
			{Id: certificate.OIDRunnerEnvironment, Value: derString(t, "github-hosted")},
			{Id: certificate.OIDSourceRepositoryURI, Value: derString(t, c.repo)},
			{Id: certificate.OIDSourceRepositoryRef, Value: derString(t, c.ref)},
			{Id: certificate.OIDBuildTrigger, Value: derString(t, "push")},
		},
	}, ca.inter, pub, ca.interKey)
}

// rekorEntry is a Rekor v2 log entry as the log stores it (protojson of
// rekor-tiles' Entry), signed by cert or by the key with PKIX DER keyDER.
func rekorEntry(t testing.TB, kind string, cert *x509.Certificate, keyDER []byte, digest []byte) []byte {
	t.Helper()
	v := &rekorpb.Verifier{KeyDetails: protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256}
	if cert != nil {
		v.Verifier = &rekorpb.Verifier_X509Certificate{X509Certificate: &protocommon.X509Certificate{RawBytes: cert.Raw}}
	} else {
		v.Verifier = &rekorpb.Verifier_PublicKey{PublicKey: &rekorpb.PublicKey{RawBytes: keyDER}}
	}
	sig := &rekorpb.Signature{Content: []byte("not checked by the matcher"), Verifier: v}
	h := &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: digest}
	e := &rekorpb.Entry{Kind: kind, ApiVersion: "0.0.2", Spec: &rekorpb.Spec{}}
	switch kind {
	case "hashedrekord":
		e.Spec.Spec = &rekorpb.Spec_HashedRekordV002{HashedRekordV002: &rekorpb.HashedRekordLogEntryV002{Data: h, Signature: sig}}
	case "dsse":
		e.Spec.Spec = &rekorpb.Spec_DsseV002{DsseV002: &rekorpb.DSSELogEntryV002{PayloadHash: h, Signatures: []*rekorpb.Signature{sig}}}
	}
	b, err := protojson.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEntryMatcher(t *testing.T) {
	now := time.Now()
	ca := newFakeCA(t, now, "watch", now.Add(48*time.Hour))
	key := newKey(t)
	keyDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("artifact"))
	release := releaseClaims(fakeSAN)
	cert := func(c ghClaims) *x509.Certificate { return ghCert(t, ca, key.Public(), c) }
	evil := releaseClaims(fakeSAN + "-evil")
	otherIssuer := release
	otherIssuer.issuer = "https://accounts.example"
	otherRepo := release
	otherRepo.repo = "https://github.com/example/app-evil"

	match, err := watch.NewMatcher(
		watch.Rule{Name: "exact", Policy: sigstore.Policy{SAN: fakeSAN, Issuer: ghIssuer}},
		watch.Rule{Name: "repo", Policy: sigstore.Policy{SANRegexp: `https://github\.com/example/app/.*`, Issuer: ghIssuer, GitHub: sigstore.GitHubClaims{Repository: "example/app"}}},
		watch.Rule{Name: "key", Policy: sigstore.Policy{Key: key.Public()}},
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		entry []byte
		rules []string
	}{
		{"release identity", rekorEntry(t, "hashedrekord", cert(release), nil, digest[:]), []string{"exact", "repo"}},
		{"release identity, dsse", rekorEntry(t, "dsse", cert(release), nil, digest[:]), []string{"exact", "repo"}},
		// The exact rule refuses a SAN with a suffix; the repository
		// rule's pattern accepts any workflow of the repository.
		{"SAN with a suffix", rekorEntry(t, "hashedrekord", cert(evil), nil, digest[:]), []string{"repo"}},
		{"another issuer", rekorEntry(t, "hashedrekord", cert(otherIssuer), nil, digest[:]), nil},
		{"another repository", rekorEntry(t, "hashedrekord", cert(otherRepo), nil, digest[:]), []string{"exact"}},
		{"the key", rekorEntry(t, "hashedrekord", nil, keyDER, digest[:]), []string{"key"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ms, err := match(c.entry)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.Rule)
				if m.Facts["digest"] != "sha256:"+hex.EncodeToString(digest[:]) {
					t.Fatalf("digest fact %q", m.Facts["digest"])
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(c.rules) {
				t.Fatalf("rules %v, want %v", got, c.rules)
			}
			if len(ms) > 0 && c.rules[0] != "key" && (!strings.HasPrefix(ms[0].Facts["san"], fakeSAN) || ms[0].Facts["github.repository"] == "") {
				t.Fatalf("facts %v", ms[0].Facts)
			}
		})
	}
	other, _ := x509.MarshalPKIXPublicKey(newKey(t).Public())
	if ms, err := match(rekorEntry(t, "hashedrekord", nil, other, digest[:])); err != nil || len(ms) != 0 {
		t.Fatalf("another key: %v, %v", ms, err)
	}

	// Unreadable entries are errors, for the monitor to report.
	good := rekorEntry(t, "hashedrekord", cert(release), nil, digest[:])
	for name, e := range map[string][]byte{
		"not json":          []byte("entry 7"),
		"v1 entry":          []byte(`{"kind":"hashedrekord","apiVersion":"0.0.1","spec":{}}`),
		"unknown kind":      []byte(`{"kind":"intoto","apiVersion":"0.0.2","spec":{}}`),
		"kind without spec": []byte(`{"kind":"hashedrekord","apiVersion":"0.0.2","spec":{"dsseV002":{}}}`),
		"bad certificate":   bytes.Replace(good, []byte(`"rawBytes":"MII`), []byte(`"rawBytes":"AII`), 1),
		"bad key":           rekorEntry(t, "hashedrekord", nil, []byte("nope"), digest[:]),
		"too large":         make([]byte, tlog.MaxEntrySize+1),
	} {
		if _, err := match(e); err == nil {
			t.Errorf("%s: matched without error", name)
		}
	}

	for name, rules := range map[string][]watch.Rule{
		"none":           nil,
		"unnamed":        {{Policy: sigstore.Policy{SAN: fakeSAN, Issuer: ghIssuer}}},
		"repeated name":  {{Name: "a", Policy: sigstore.Policy{SAN: fakeSAN, Issuer: ghIssuer}}, {Name: "a", Policy: sigstore.Policy{Key: key.Public()}}},
		"no identity":    {{Name: "a"}},
		"bad regexp":     {{Name: "a", Policy: sigstore.Policy{SANRegexp: "(", Issuer: ghIssuer}}},
		"predicate type": {{Name: "a", Policy: sigstore.Policy{SAN: fakeSAN, Issuer: ghIssuer, PredicateType: "x"}}},
	} {
		if _, err := watch.NewMatcher(rules...); !errors.Is(err, sigstore.ErrBadInput) {
			t.Errorf("%s: %v, want ErrBadInput", name, err)
		}
	}
}

func FuzzEntryMatcher(f *testing.F) {
	now := time.Now()
	ca := newFakeCA(f, now, "watch", now.Add(48*time.Hour))
	key := newKey(f)
	d := sha256.Sum256(nil)
	f.Add(rekorEntry(f, "hashedrekord", ghCert(f, ca, key.Public(), releaseClaims(fakeSAN)), nil, d[:]))
	f.Add(rekorEntry(f, "dsse", ghCert(f, ca, key.Public(), releaseClaims(fakeSAN)), nil, d[:]))
	f.Add([]byte(`{"kind":"hashedrekord","apiVersion":"0.0.2"}`))
	match, err := watch.NewMatcher(watch.Rule{Name: "r", Policy: sigstore.Policy{SANRegexp: ".*", IssuerRegexp: ".*"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, e []byte) {
		ms, err := match(e)
		if err != nil && len(ms) > 0 {
			t.Fatal("matches and an error")
		}
	})
}

// tileLog writes a C2SP tlog-tiles log of entries into a folder, as a
// tessera POSIX log lays it out: hash tiles from RFC 6962 hashes computed
// here, entry bundles, and a checkpoint signed with an Ed25519 note key.
func tileLog(t testing.TB, dir, origin string, entries [][]byte) *tlog.LogKey {
	t.Helper()
	levels := [][][]byte{nil}
	for _, e := range entries {
		levels[0] = append(levels[0], rfc6962.DefaultHasher.HashLeaf(e))
	}
	for k := 0; len(levels[k]) > 1; k++ {
		var up [][]byte
		for i := 0; i+1 < len(levels[k]); i += 2 {
			up = append(up, rfc6962.DefaultHasher.HashChildren(levels[k][i], levels[k][i+1]))
		}
		levels = append(levels, up)
	}
	write := func(path string, data []byte) {
		p := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	size := len(entries)
	for lvl := 0; tlog.TileHeight*lvl < len(levels); lvl++ {
		hs := levels[tlog.TileHeight*lvl]
		count := size >> (tlog.TileHeight * lvl)
		for n := 0; n*tlog.TileWidth < count; n++ {
			w := min(tlog.TileWidth, count-n*tlog.TileWidth)
			write(tlog.TilePath(uint64(lvl), uint64(n), uint8(w%tlog.TileWidth)), bytes.Join(hs[n*tlog.TileWidth:n*tlog.TileWidth+w], nil))
		}
	}
	for n := 0; n*tlog.TileWidth < size; n++ {
		var b []byte
		for _, e := range entries[n*tlog.TileWidth : min(size, (n+1)*tlog.TileWidth)] {
			b = binary.BigEndian.AppendUint16(b, uint16(len(e)))
			b = append(b, e...)
		}
		write(tlog.EntryBundlePath(uint64(n), uint8(min(tlog.TileWidth, size-n*tlog.TileWidth)%tlog.TileWidth)), b)
	}
	root := rfc6962.DefaultHasher.EmptyRoot()
	if size > 0 {
		root = treeRoot(levels, 0, size)
	}
	body, err := tlog.FormatCheckpoint(&tlog.Checkpoint{Origin: origin, Size: uint64(size), Hash: root})
	if err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.SplitN(vkey, "+", 3)[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize {
		t.Fatalf("note key %q: %v", vkey, err)
	}
	pub := ed25519.PublicKey(raw[1:])
	msg, err := note.Sign(&note.Note{Text: string(body)}, signer)
	if err != nil {
		t.Fatal(err)
	}
	write(tlog.CheckpointPath, msg)
	k, err := tlog.NewLogKey(origin, pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// treeRoot is the RFC 6962 root of leaves [lo, hi) from the full levels.
func treeRoot(levels [][][]byte, lo, hi int) []byte {
	n := hi - lo
	if n&(n-1) == 0 {
		h := 0
		for 1<<h < n {
			h++
		}
		return levels[h][lo>>h]
	}
	k := 1
	for k*2 < n {
		k *= 2
	}
	return rfc6962.DefaultHasher.HashChildren(treeRoot(levels, lo, lo+k), treeRoot(levels, lo+k, hi))
}

// watchLog makes n Rekor v2 entries signed by a few certificates of
// unrelated identities, with the release identity's at index planted.
func watchLog(t testing.TB, n, planted int) [][]byte {
	now := time.Now()
	ca := newFakeCA(t, now, "watch", now.Add(48*time.Hour))
	var certs []*x509.Certificate
	for i := range 64 {
		certs = append(certs, ghCert(t, ca, newKey(t).Public(), releaseClaims(fmt.Sprintf("https://github.com/other%d/app/.github/workflows/release.yml@refs/heads/main", i))))
	}
	mine := ghCert(t, ca, newKey(t).Public(), releaseClaims(fakeSAN))
	var es [][]byte
	for i := range n {
		d := sha256.Sum256([]byte(fmt.Sprint(i)))
		c := certs[i%len(certs)]
		if i == planted {
			c = mine
		}
		es = append(es, rekorEntry(t, "hashedrekord", c, nil, d[:]))
	}
	return es
}

func watchMonitor(t testing.TB, dir, state string, key *tlog.LogKey) *monitor.Monitor {
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	f := logfetch.NewDirFetcher(root)
	match, err := watch.NewMatcher(watch.Rule{Name: "release", Policy: sigstore.Policy{SAN: fakeSAN, Issuer: ghIssuer, GitHub: sigstore.GitHubClaims{Repository: "example/app"}}})
	if err != nil {
		t.Fatal(err)
	}
	mon, err := monitor.New(key.Name(), []*tlog.LogKey{key}, f, monitor.NewFileStore(state), match, monitor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return mon
}

// The monitor finds the one entry of 10,000 signed by the release identity.
func TestMonitorFindsIdentity(t *testing.T) {
	dir := t.TempDir()
	es := watchLog(t, 10000, 7777)
	key := tileLog(t, dir, "watch.test", es)
	run, err := watchMonitor(t, dir, filepath.Join(t.TempDir(), "state.json"), key).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if run.To != 10000 || len(run.Unreadable) != 0 {
		t.Fatalf("scanned to %d, %d unreadable", run.To, len(run.Unreadable))
	}
	if len(run.Matches) != 1 || run.Matches[0].Index != 7777 || run.Matches[0].Facts["san"] != fakeSAN {
		t.Fatalf("matches %+v, want entry 7777 only", run.Matches)
	}
	if lh := rfc6962.DefaultHasher.HashLeaf(es[7777]); run.Matches[0].LeafHash != hex.EncodeToString(lh) {
		t.Fatal("the match's leaf hash is not the entry's")
	}
}

// BenchmarkMonitorScan measures a monitor run over a local folder of
// tiles: verified reading and identity matching of Rekor v2 entries,
// reported as entries/s (goal ≥ 20,000 on 2 cores).
func BenchmarkMonitorScan(b *testing.B) {
	const n = 20000
	dir := b.TempDir()
	key := tileLog(b, dir, "watch.test", watchLog(b, n, n/2))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		state := filepath.Join(b.TempDir(), "state.json")
		run, err := watchMonitor(b, dir, state, key).Run(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if len(run.Matches) != 1 {
			b.Fatalf("%d matches", len(run.Matches))
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
