package fast

import (
	"crypto/x509"
	"maps"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/internal/cases"
	"github.com/ats-run/selfattest/verify/trust"
)

// sctCase is a leaf certificate of a real bundle with the chains
// sigstore-go's path validation returns for it, and its trusted root.
type sctCase struct {
	name    string
	chains  [][]*x509.Certificate
	trusted root.TrustedMaterial
}

// sctCases are the certificate bundles of testdata/sigstore/realworld and
// testdata/sigstore/conformance whose leaf has a chain in their root.
func sctCases(t testing.TB) []sctCase {
	t.Helper()
	roots := map[string]*root.TrustedRoot{}
	seen := map[string]bool{}
	var out []sctCase
	for _, d := range []string{"realworld", "conformance"} {
		for _, c := range cases.Read(t, cases.Corpus(3, d)) {
			if c.Mode != "identity" || seen[c.Path(c.Name)] {
				continue
			}
			seen[c.Path(c.Name)] = true
			b, err := sigstore.LoadBundle(c.BundlePath())
			if err != nil {
				continue // the malformed-bundle cases
			}
			vc, err := b.VerificationContent()
			if err != nil || vc.Certificate() == nil {
				continue
			}
			rp := c.Path(c.TrustedRoot)
			tr, ok := roots[rp]
			if !ok {
				tr, _ = trust.FromFile(rp) // nil: a root the cases mean to be refused
				roots[rp] = tr
			}
			if tr == nil {
				continue
			}
			leaf := vc.Certificate()
			chains, err := sgverify.VerifyLeafCertificate(leaf.NotBefore.Add(time.Second), leaf, tr)
			if err != nil {
				continue // a leaf from another CA
			}
			out = append(out, sctCase{c.Path(c.Name), chains, tr})
		}
	}
	if len(out) < 10 {
		t.Fatalf("only %d certificate bundles with a chain: the corpus is not where it should be", len(out))
	}
	return out
}

// ctLogs is trusted material whose only part is its CT logs.
type ctLogs struct {
	root.BaseTrustedMaterial
	logs map[string]*root.TransparencyLog
}

func (m *ctLogs) CTLogs() map[string]*root.TransparencyLog { return m.logs }

// sameSCTVerdict checks sctVerifier against sigstore-go's
// VerifySignedCertificateTimestamp on the same input, and returns whether
// it passed.
func sameSCTVerdict(t testing.TB, name string, chains [][]*x509.Certificate, threshold int, tm root.TrustedMaterial) bool {
	t.Helper()
	want := sgverify.VerifySignedCertificateTimestamp(chains, threshold, tm)
	got := newSCTVerifier(tm).verify(chains, threshold)
	if (got == nil) != (want == nil) {
		t.Fatalf("%s: sctVerifier says %v, sigstore-go says %v", name, got, want)
	}
	return got == nil
}

func TestSCTMatchesSigstoreGo(t *testing.T) {
	cases := sctCases(t)
	var passed, rejected int
	count := func(ok bool) {
		if ok {
			passed++
		} else {
			rejected++
		}
	}
	for _, c := range cases {
		leaf, chain := c.chains[0][0], c.chains[0]
		count(sameSCTVerdict(t, c.name, c.chains, 1, c.trusted))
		count(sameSCTVerdict(t, c.name+"/threshold-2", c.chains, 2, c.trusted))
		count(sameSCTVerdict(t, c.name+"/no-chains", nil, 1, c.trusted))
		count(sameSCTVerdict(t, c.name+"/leaf-only", [][]*x509.Certificate{{leaf}}, 1, c.trusted))
		if len(chain) > 2 {
			// The root as the issuer: the SCT names the intermediate's key.
			wrong := [][]*x509.Certificate{{leaf, chain[len(chain)-1]}}
			count(sameSCTVerdict(t, c.name+"/root-as-issuer", wrong, 1, c.trusted))
			count(sameSCTVerdict(t, c.name+"/wrong-then-right", append(wrong, chain), 1, c.trusted))
		}
		count(sameSCTVerdict(t, c.name+"/no-ct-logs", c.chains, 1, &ctLogs{logs: map[string]*root.TransparencyLog{}}))
		// Every log's validity moved so that the SCT's time is outside it.
		for _, edge := range []string{"starts-after", "ended-before"} {
			logs := map[string]*root.TransparencyLog{}
			for id, l := range c.trusted.CTLogs() {
				m := *l
				if edge == "starts-after" {
					m.ValidityPeriodStart, m.ValidityPeriodEnd = leaf.NotAfter.Add(time.Hour), time.Time{}
				} else {
					m.ValidityPeriodStart, m.ValidityPeriodEnd = time.Time{}, leaf.NotBefore.Add(-time.Hour)
				}
				logs[id] = &m
			}
			count(sameSCTVerdict(t, c.name+"/log-"+edge, c.chains, 1, &ctLogs{logs: logs}))
		}
		count(sameSCTVerdict(t, c.name+"/logs-only", c.chains, 1, &ctLogs{logs: maps.Clone(c.trusted.CTLogs())}))
	}
	if passed == 0 || rejected == 0 {
		t.Fatalf("%d passed, %d rejected: the cases do not exercise both verdicts", passed, rejected)
	}
}

// TestSCTBitFlips flips bits of real leaves — every bit of the SCT list
// extension, one bit in each of the other bytes — and holds sctVerifier to
// sigstore-go's verdict on each variant that crypto/x509 still parses.
func TestSCTBitFlips(t *testing.T) {
	cases := sctCases(t)
	if testing.Short() {
		cases = cases[:2]
	}
	var variants, passed int
	for _, c := range cases[:min(len(cases), 4)] {
		leaf := c.chains[0][0]
		lo, hi := sctExtensionSpan(t, leaf)
		for i := range leaf.Raw {
			bits := []int{i % 8}
			if i >= lo && i < hi {
				bits = []int{0, 1, 2, 3, 4, 5, 6, 7}
			}
			for _, bit := range bits {
				raw := append([]byte(nil), leaf.Raw...)
				raw[i] ^= 1 << bit
				mut, err := x509.ParseCertificate(raw)
				if err != nil {
					continue
				}
				chains := make([][]*x509.Certificate, len(c.chains))
				for j, ch := range c.chains {
					chains[j] = append([]*x509.Certificate{mut}, ch[1:]...)
				}
				variants++
				if sameSCTVerdict(t, c.name, chains, 1, c.trusted) {
					passed++
				}
			}
		}
	}
	if variants < 1000 || passed == 0 || passed == variants {
		t.Fatalf("%d variants, %d passed: not a meaningful sample", variants, passed)
	}
	t.Logf("%d variants, %d passed (flips outside what the SCT signs), the rest rejected by both", variants, passed)
}

// sctExtensionSpan is where leaf's SCT list extension value lies in its
// DER.
func sctExtensionSpan(t testing.TB, leaf *x509.Certificate) (int, int) {
	t.Helper()
	for _, e := range leaf.Extensions {
		if e.Id.String() == "1.3.6.1.4.1.11129.2.4.2" {
			for i := 0; i+len(e.Value) <= len(leaf.Raw); i++ {
				if string(leaf.Raw[i:i+len(e.Value)]) == string(e.Value) {
					return i, i + len(e.Value)
				}
			}
		}
	}
	t.Fatal("leaf has no SCT list extension")
	return 0, 0
}

// FuzzSCT holds sctVerifier to sigstore-go's verdict on leaf certificates
// made from the fuzzer's bytes, chained to a real issuer.
func FuzzSCT(f *testing.F) {
	cases := sctCases(f)
	for _, c := range cases[:min(len(cases), 4)] {
		f.Add(c.chains[0][0].Raw)
	}
	c := cases[0]
	f.Fuzz(func(t *testing.T, raw []byte) {
		leaf, err := x509.ParseCertificate(raw)
		if err != nil {
			return
		}
		chains := [][]*x509.Certificate{append([]*x509.Certificate{leaf}, c.chains[0][1:]...)}
		sameSCTVerdict(t, "fuzz", chains, 1, c.trusted)
	})
}
