package signing_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/attest/signing"
	"github.com/ats-run/selfattest/internal/rekorv1fake"
	"github.com/ats-run/selfattest/internal/rekorv2"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/trust"
)

// scService is one service of a signing config (dev.sigstore.trustroot.v1
// Service) in its JSON form.
type scService struct {
	URL             string     `json:"url"`
	MajorAPIVersion uint32     `json:"majorApiVersion"`
	ValidFor        scValidFor `json:"validFor"`
	Operator        string     `json:"operator,omitempty"`
}

type scValidFor struct {
	Start string `json:"start"`
	End   string `json:"end,omitempty"`
}

// svc returns a service valid from start, until end when end is not zero.
func svc(url string, version uint32, operator string, start, end time.Time) scService {
	s := scService{URL: url, MajorAPIVersion: version, Operator: operator, ValidFor: scValidFor{Start: start.UTC().Format(time.RFC3339)}}
	if !end.IsZero() {
		s.ValidFor.End = end.UTC().Format(time.RFC3339)
	}
	return s
}

type scSelector struct {
	Selector string `json:"selector"`
	Count    uint32 `json:"count,omitempty"`
}

// signingConfig is a signing config v0.2 in its JSON form.
type signingConfig struct {
	MediaType       string      `json:"mediaType"`
	CAURLs          []scService `json:"caUrls"`
	OIDCURLs        []scService `json:"oidcUrls"`
	RekorTlogURLs   []scService `json:"rekorTlogUrls"`
	RekorTlogConfig *scSelector `json:"rekorTlogConfig,omitempty"`
	TSAURLs         []scService `json:"tsaUrls"`
	TSAConfig       *scSelector `json:"tsaConfig,omitempty"`
}

// parse marshals the config and reads it back with sigstore-go, as a
// signer reads a signing_config.json.
func (c signingConfig) parse(t testing.TB) *root.SigningConfig {
	t.Helper()
	c.MediaType = root.SigningConfigMediaType02
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := root.NewSigningConfigFromJSON(b)
	if err != nil {
		t.Fatalf("NewSigningConfigFromJSON: %v\n%s", err, b)
	}
	return sc
}

// chosenURLs returns the URLs of the services chosen.
func chosenURLs(s *signing.Services) []string {
	var urls []string
	for _, c := range s.Chosen {
		urls = append(urls, c.URL)
	}
	return urls
}

// Addresses of services that must never be chosen: nothing listens there,
// and the loopback-only transport would stop a request to anything else.
const (
	expiredURL = "http://127.0.0.1:9/expired"
	futureURL  = "http://127.0.0.1:9/future"
	v3URL      = "http://127.0.0.1:9/v3"
	v1URL      = "http://127.0.0.1:9/rekor-v1"
)

// TestSelectServicesSign chooses Fulcio, the Rekor log and the timestamp
// authority from a signing config naming the fake Fulcio, the real Rekor
// v2 server and the in-process TSA among services that must be skipped (a
// window that has ended, one not yet begun, an API version this package
// does not speak, a Rekor v1 log beside a v2 one), then signs with what
// was chosen, with a key and keyless, and verifies the bundles.
func TestSelectServicesSign(t *testing.T) {
	srv := rekorv2.Start(t, rekorv2.Options{})
	tsa := rekorv2.StartTSA(t)
	fulcio := startFakeFulcio(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	now := time.Now()
	hourAgo, past, soon := now.Add(-time.Hour), now.Add(-48*time.Hour), now.Add(time.Hour)

	sc := signingConfig{
		CAURLs: []scService{
			svc(expiredURL, 1, "selfattest", past, now.Add(-time.Minute)),
			svc(fulcio.URL, 1, "selfattest", hourAgo, time.Time{}),
			svc(futureURL, 1, "selfattest", soon, time.Time{}),
			svc(v3URL, 3, "selfattest", hourAgo, time.Time{}),
		},
		OIDCURLs: []scService{svc("https://oauth2.selfattest.invalid/auth", 1, "selfattest", hourAgo, time.Time{})},
		RekorTlogURLs: []scService{
			svc(expiredURL, 2, "expired", past, now.Add(-time.Minute)),
			svc(srv.URL, 2, "selfattest", hourAgo, time.Time{}),
			svc(futureURL, 2, "future", soon, time.Time{}),
			svc(v3URL, 3, "v3", hourAgo, time.Time{}),
			svc(v1URL, 1, "v1", hourAgo, time.Time{}),
		},
		RekorTlogConfig: &scSelector{Selector: "ALL"},
		TSAURLs: []scService{
			svc(expiredURL, 1, "expired", past, now.Add(-time.Minute)),
			svc(tsa.URL, 1, "selfattest", hourAgo, time.Time{}),
			svc(v3URL, 3, "v3", hourAgo, time.Time{}),
		},
		TSAConfig: &scSelector{Selector: "ANY"},
	}.parse(t)

	s, err := signing.SelectServices(sc, now, loopback(t))
	if err != nil {
		t.Fatalf("SelectServices: %v", err)
	}
	if want := []string{fulcio.URL, srv.URL, tsa.URL}; !slices.Equal(chosenURLs(s), want) {
		t.Fatalf("chose %v, want %v", chosenURLs(s), want)
	}
	if s.FulcioURL != fulcio.URL || len(s.TransparencyLogs) != 1 || len(s.TimestampAuthorities) != 1 {
		t.Fatalf("services %+v", s)
	}
	if r, ok := s.TransparencyLogs[0].(*signing.RekorLog); !ok || r.URL() != srv.URL || r.Version() != 2 {
		t.Fatalf("transparency log %#v, want Rekor v2 at %s", s.TransparencyLogs[0], srv.URL)
	}

	artifact := []byte("selfattest: signed with services from a signing config\n")
	st, err := intoto.NewStatement(testPredicate{}, intoto.Subject{Name: "app.js", Digests: attest.MeasureBytes(artifact)})
	if err != nil {
		t.Fatal(err)
	}
	d := attest.MeasureBytes(artifact)
	art := sigstore.ArtifactDigest(attest.SHA256, d.Sum(attest.SHA256))

	t.Run("key", func(t *testing.T) {
		key := signingKey(t, "ecdsa")
		b, err := signing.Statement(ctx, st, signing.Options{Key: key, TransparencyLogs: s.TransparencyLogs, TimestampAuthorities: s.TimestampAuthorities})
		if err != nil {
			t.Fatalf("Statement: %v", err)
		}
		v := writeRoot(t, srv.Root().Merge(tsa.Root()))
		policy := sigstore.Policy{Key: key.Public(), PredicateType: testPredicate{}.PredicateType()}
		if err := verifyBundle(ctx, t, v, marshal(t, b), art, policy); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		// Without the timestamp authority in the trusted root, the Rekor
		// v2 entry alone gives no trusted time.
		if err := verifyBundle(ctx, t, writeRoot(t, srv.Root()), marshal(t, b), art, policy); !errors.Is(err, sigstore.ErrVerification) {
			t.Fatalf("verified without a trusted time: %v", err)
		}
	})

	t.Run("keyless", func(t *testing.T) {
		jwt := testJWT(ghIssuer, ghSAN)
		b, err := signing.Statement(ctx, st, signing.Options{
			Keyless: &signing.Keyless{
				FulcioURL: s.FulcioURL,
				Token:     signing.TokenFunc(func(context.Context) (string, error) { return jwt, nil }),
				HTTP:      loopback(t),
			},
			TransparencyLogs:     s.TransparencyLogs,
			TimestampAuthorities: s.TimestampAuthorities,
		})
		if err != nil {
			t.Fatalf("Statement: %v", err)
		}
		v := keylessVerifier(t, fulcio, srv, tsa)
		good := sigstore.Policy{Issuer: ghIssuer, SAN: ghSAN, PredicateType: testPredicate{}.PredicateType()}
		if err := verifyBundle(ctx, t, v, marshal(t, b), art, good); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if err := verifyBundle(ctx, t, v, marshal(t, b), art, sigstore.Policy{Issuer: ghIssuer, SAN: ghSAN + "x"}); !errors.Is(err, sigstore.ErrVerification) {
			t.Fatalf("another identity: got %v, want sigstore.ErrVerification", err)
		}
	})
}

// keylessVerifier writes a trusted root naming the fake Fulcio (and its
// CT log), the Rekor v2 log and the timestamp authority, and loads it.
func keylessVerifier(t *testing.T, fulcio *fakeFulcio, srv *rekorv2.Server, tsa *rekorv2.TSA) *sigstore.Verifier {
	t.Helper()
	start := time.Now().Add(-time.Hour)
	logs := map[string]*root.TransparencyLog{hex.EncodeToString(rekorv2.KeyID(srv.Origin, srv.PublicKey)): {
		BaseURL: "https://" + srv.Origin, ID: rekorv2.KeyID(srv.Origin, srv.PublicKey), ValidityPeriodStart: start,
		HashFunc: crypto.SHA256, PublicKey: srv.PublicKey, SignatureHashFunc: crypto.SHA512,
	}}
	ctlogs := map[string]*root.TransparencyLog{hex.EncodeToString(fulcio.ctLogID()): {
		BaseURL: "https://ctfe.selfattest.invalid", ID: fulcio.ctLogID(), ValidityPeriodStart: start,
		HashFunc: crypto.SHA256, PublicKey: fulcio.ctKey.Public(), SignatureHashFunc: crypto.SHA256,
	}}
	cas := []root.CertificateAuthority{&root.FulcioCertificateAuthority{Root: fulcio.root, Intermediates: []*x509.Certificate{fulcio.inter}, ValidityPeriodStart: start, URI: fulcio.URL}}
	tsas := []root.TimestampingAuthority{&root.SigstoreTimestampingAuthority{Root: tsa.Chain[1], Leaf: tsa.Chain[0], URI: tsa.URL, ValidityPeriodStart: start}}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, cas, ctlogs, tsas, logs)
	if err != nil {
		t.Fatal(err)
	}
	j, err := tr.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(path, j, 0o644); err != nil {
		t.Fatal(err)
	}
	loaded, err := trust.FromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := sigstore.NewVerifier(loaded, sigstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSelectServicesRekorV1 chooses a Rekor v1 log when the config has no
// v2 log valid now, signs to it (the fake v1 log of rekorv1_test.go) with
// no timestamp authority, and verifies on the log's signed time alone.
func TestSelectServicesRekorV1(t *testing.T) {
	f := rekorv1fake.Start(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	now := time.Now()
	sc := signingConfig{
		RekorTlogURLs: []scService{
			svc(expiredURL, 2, "expired", now.Add(-48*time.Hour), now.Add(-time.Minute)),
			svc(futureURL, 2, "future", now.Add(time.Hour), time.Time{}),
			svc(f.URL, 1, "selfattest", now.Add(-time.Hour), time.Time{}),
		},
		RekorTlogConfig: &scSelector{Selector: "EXACT", Count: 1},
	}.parse(t)
	s, err := signing.SelectServices(sc, now, loopback(t))
	if err != nil {
		t.Fatalf("SelectServices: %v", err)
	}
	if !slices.Equal(chosenURLs(s), []string{f.URL}) || s.FulcioURL != "" || len(s.TimestampAuthorities) != 0 {
		t.Fatalf("chose %v (Fulcio %q, %d TSAs), want the v1 log alone", chosenURLs(s), s.FulcioURL, len(s.TimestampAuthorities))
	}
	if r := s.TransparencyLogs[0].(*signing.RekorLog); r.Version() != 1 {
		t.Fatalf("version %d", r.Version())
	}
	artifact := []byte("selfattest: logged to the Rekor v1 log a signing config named\n")
	key := signingKey(t, "ecdsa")
	b, err := signing.Artifact(ctx, artifact, signing.Options{Key: key, TransparencyLogs: s.TransparencyLogs})
	if err != nil {
		t.Fatalf("Artifact: %v", err)
	}
	if err := verifyBundle(ctx, t, writeRoot(t, f.Root()), marshal(t, b), sigstore.ArtifactReader(bytes.NewReader(artifact)), sigstore.Policy{Key: key.Public()}); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

// TestSelectServices checks the choice itself: by the time given (not the
// clock), by API version, by selector, and the refusals, which wrap both
// signing.ErrSign and attest.ErrBadInput.
func TestSelectServices(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	a, b, c := "http://127.0.0.1:9/a", "http://127.0.0.1:9/b", "http://127.0.0.1:9/c"
	tsaA := "http://127.0.0.1:9/tsa-a/api/v1/timestamp"
	for _, tc := range []struct {
		name   string
		sc     signingConfig
		now    time.Time
		want   []string // chosen URLs; nil when an error is wanted
		fulcio string
	}{
		{
			name: "newest valid log of the highest version, per operator",
			sc: signingConfig{
				RekorTlogURLs: []scService{
					svc(a, 2, "op1", now.Add(-3*day), time.Time{}),
					svc(b, 2, "op1", now.Add(-day), time.Time{}), // newer, same operator
					svc(c, 1, "op2", now.Add(-day), time.Time{}), // lower version
				},
				RekorTlogConfig: &scSelector{Selector: "ALL"},
			},
			want: []string{b},
		},
		{
			name: "ALL: one log per operator",
			sc: signingConfig{
				RekorTlogURLs: []scService{
					svc(a, 2, "op1", now.Add(-3*day), time.Time{}),
					svc(b, 2, "op2", now.Add(-day), time.Time{}),
				},
				RekorTlogConfig: &scSelector{Selector: "ALL"},
			},
			want: []string{b, a},
		},
		{
			name: "a log whose window has not begun, chosen once it has",
			sc: signingConfig{
				RekorTlogURLs:   []scService{svc(a, 2, "op1", now.Add(-day), time.Time{}), svc(b, 2, "op1", now.Add(day), time.Time{})},
				RekorTlogConfig: &scSelector{Selector: "ANY"},
			},
			now:  now.Add(2 * day),
			want: []string{b},
		},
		{
			name: "an ended window is skipped",
			sc: signingConfig{
				RekorTlogURLs:   []scService{svc(a, 2, "op1", now.Add(-3*day), now.Add(-day)), svc(b, 1, "op1", now.Add(-3*day), time.Time{})},
				RekorTlogConfig: &scSelector{Selector: "ANY"},
			},
			want: []string{b},
		},
		{
			name: "Fulcio, log and timestamp authority",
			sc: signingConfig{
				CAURLs:          []scService{svc(c, 1, "op1", now.Add(-day), time.Time{}), svc(a, 1, "op1", now.Add(-3*day), now.Add(-day))},
				RekorTlogURLs:   []scService{svc(b, 2, "op1", now.Add(-day), time.Time{})},
				RekorTlogConfig: &scSelector{Selector: "ANY"},
				TSAURLs:         []scService{svc(tsaA, 1, "op1", now.Add(-day), time.Time{})},
				TSAConfig:       &scSelector{Selector: "EXACT", Count: 1},
			},
			want:   []string{c, b, tsaA},
			fulcio: c,
		},
		{
			name: "no Fulcio valid now is not an error",
			sc: signingConfig{
				CAURLs:          []scService{svc(c, 1, "op1", now.Add(day), time.Time{}), svc(a, 9, "op1", now.Add(-day), time.Time{})},
				RekorTlogURLs:   []scService{svc(b, 2, "op1", now.Add(-day), time.Time{})},
				RekorTlogConfig: &scSelector{Selector: "ANY"},
			},
			want: []string{b},
		},
		{name: "no Rekor log", sc: signingConfig{RekorTlogConfig: &scSelector{Selector: "ANY"}}},
		{
			name: "no Rekor log valid now",
			sc: signingConfig{
				RekorTlogURLs: []scService{
					svc(a, 2, "op1", now.Add(-3*day), now.Add(-day)),
					svc(b, 2, "op1", now.Add(day), time.Time{}),
					svc(c, 3, "op1", now.Add(-day), time.Time{}),
				},
				RekorTlogConfig: &scSelector{Selector: "ALL"},
			},
		},
		{
			name: "EXACT asks for more logs than there are",
			sc: signingConfig{
				RekorTlogURLs:   []scService{svc(a, 2, "op1", now.Add(-day), time.Time{}), svc(b, 2, "op1", now.Add(-day), time.Time{})},
				RekorTlogConfig: &scSelector{Selector: "EXACT", Count: 2},
			},
		},
		{
			name: "no Rekor selector",
			sc:   signingConfig{RekorTlogURLs: []scService{svc(a, 2, "op1", now.Add(-day), time.Time{})}},
		},
		{
			name: "timestamp authorities without a selector",
			sc: signingConfig{
				RekorTlogURLs:   []scService{svc(a, 2, "op1", now.Add(-day), time.Time{})},
				RekorTlogConfig: &scSelector{Selector: "ANY"},
				TSAURLs:         []scService{svc(tsaA, 1, "op1", now.Add(-day), time.Time{})},
			},
		},
		{
			name: "timestamp authorities listed, none valid now",
			sc: signingConfig{
				RekorTlogURLs:   []scService{svc(a, 2, "op1", now.Add(-day), time.Time{})},
				RekorTlogConfig: &scSelector{Selector: "ANY"},
				TSAURLs:         []scService{svc(tsaA, 1, "op1", now.Add(-3*day), now.Add(-day))},
				TSAConfig:       &scSelector{Selector: "ANY"},
			},
		},
		{
			name: "a Rekor URL that is not http(s)",
			sc: signingConfig{
				RekorTlogURLs:   []scService{svc("ftp://127.0.0.1/rekor", 2, "op1", now.Add(-day), time.Time{})},
				RekorTlogConfig: &scSelector{Selector: "ANY"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := tc.now
			if at.IsZero() {
				at = now
			}
			s, err := signing.SelectServices(tc.sc.parse(t), at, loopback(t))
			if tc.want == nil {
				if !errors.Is(err, signing.ErrSign) || !errors.Is(err, attest.ErrBadInput) {
					t.Fatalf("got %+v, %v; want an error wrapping signing.ErrSign and attest.ErrBadInput", s, err)
				}
				t.Logf("refused: %v", err)
				return
			}
			if err != nil {
				t.Fatalf("SelectServices: %v", err)
			}
			got := chosenURLs(s)
			if tc.name == "ALL: one log per operator" {
				slices.Sort(got)
				slices.Sort(tc.want)
			}
			if !slices.Equal(got, tc.want) || s.FulcioURL != tc.fulcio {
				t.Fatalf("chose %v, Fulcio %q; want %v, Fulcio %q", got, s.FulcioURL, tc.want, tc.fulcio)
			}
			n := len(s.TransparencyLogs) + len(s.TimestampAuthorities)
			if s.FulcioURL != "" {
				n++
			}
			if n != len(got) {
				t.Fatalf("%d logs and %d authorities for %v", len(s.TransparencyLogs), len(s.TimestampAuthorities), got)
			}
		})
	}

	t.Run("nil config", func(t *testing.T) {
		_, err := signing.SelectServices(nil, now, loopback(t))
		if !errors.Is(err, signing.ErrSign) || !errors.Is(err, attest.ErrBadInput) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("zero config", func(t *testing.T) {
		_, err := signing.SelectServices(&root.SigningConfig{}, now, loopback(t))
		if !errors.Is(err, signing.ErrSign) || !errors.Is(err, attest.ErrBadInput) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("zero time", func(t *testing.T) {
		sc := signingConfig{RekorTlogURLs: []scService{svc(a, 2, "op1", now.Add(-day), time.Time{})}, RekorTlogConfig: &scSelector{Selector: "ANY"}}.parse(t)
		_, err := signing.SelectServices(sc, time.Time{}, loopback(t))
		if !errors.Is(err, signing.ErrSign) || !errors.Is(err, attest.ErrBadInput) {
			t.Fatalf("got %v", err)
		}
	})
}
