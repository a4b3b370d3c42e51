package intoto

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/attest"
	intotov1 "github.com/in-toto/attestation/go/v1"
)

func readEnv(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func fixtureProvenance(t *testing.T) SLSAProvenance {
	t.Helper()
	p, err := GitHubProvenance(FromEnviron(readEnv(t, "testdata/github.env")))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// jsonEqual compares two JSON documents by meaning.
func jsonEqual(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want: %v\n%s", err, want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("JSON differs.\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestStatementRoundTrip(t *testing.T) {
	a, b := []byte("export const kms = 1;\n"), []byte("main { color: red }\n")
	st, err := NewStatement(fixtureProvenance(t),
		Subject{Name: "kms-v1.0.1-aaaa.mjs", Digests: attest.MeasureBytes(a)},
		Subject{Name: "style.css", Digests: attest.MeasureBytes(b)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := MarshalStatement(st)
	if err != nil {
		t.Fatal(err)
	}
	// Subject digests, computed here with crypto/sha256 and crypto/sha512.
	for i, content := range [][]byte{a, b} {
		s256, s512 := sha256.Sum256(content), sha512.Sum512(content)
		d := st.GetSubject()[i].GetDigest()
		if len(d) != 2 || d["sha256"] != hex.EncodeToString(s256[:]) || d["sha512"] != hex.EncodeToString(s512[:]) {
			t.Fatalf("subject %d digests = %v", i, d)
		}
	}
	var head struct {
		Type          string `json:"_type"`
		PredicateType string `json:"predicateType"`
		Subject       []struct {
			Name   string            `json:"name"`
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
		Predicate json.RawMessage `json:"predicate"`
	}
	if err := json.Unmarshal(out, &head); err != nil {
		t.Fatal(err)
	}
	if head.Type != "https://in-toto.io/Statement/v1" || head.PredicateType != "https://slsa.dev/provenance/v1" ||
		len(head.Subject) != 2 || head.Subject[1].Name != "style.css" {
		t.Fatalf("statement JSON:\n%s", out)
	}
	want, err := os.ReadFile("testdata/provenance.json")
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, head.Predicate, want)

	back, err := ParseStatement(out)
	if err != nil {
		t.Fatal(err)
	}
	again, err := MarshalStatement(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, again) {
		t.Fatalf("round trip changed the bytes:\n%s\n%s", out, again)
	}
	if !bytes.HasSuffix(out, []byte("}\n")) || !bytes.Contains(out, []byte("\n  \"_type\": ")) {
		t.Fatalf("not the stable layout:\n%s", out)
	}
}

func TestNewStatementRejects(t *testing.T) {
	good := []Subject{{Name: "a", Digests: attest.MeasureBytes(nil)}}
	tests := []struct {
		name     string
		p        Predicate
		subjects []Subject
	}{
		{"nil predicate", nil, good},
		{"no subject", VerificationReport{Report: []byte(`{"schema":"` + ReportSchemaV1 + `"}`)}, nil},
		{"unnamed subject", VerificationReport{Report: []byte(`{"schema":"` + ReportSchemaV1 + `"}`)}, []Subject{{Digests: attest.MeasureBytes(nil)}}},
		{"empty provenance", SLSAProvenance{}, good},
		{"report not an object", VerificationReport{Report: []byte(`[]`)}, good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewStatement(tt.p, tt.subjects...); !errors.Is(err, attest.ErrBadInput) {
				t.Fatalf("err = %v, want ErrBadInput", err)
			}
		})
	}
}

func TestParseStatementRejects(t *testing.T) {
	st, err := NewStatement(VerificationReport{Report: []byte(`{"schema":"` + ReportSchemaV1 + `"}`)},
		Subject{Name: "a", Digests: attest.MeasureBytes([]byte("a"))})
	if err != nil {
		t.Fatal(err)
	}
	good, err := MarshalStatement(st)
	if err != nil {
		t.Fatal(err)
	}
	g := string(good)
	h := st.GetSubject()[0].GetDigest()["sha256"]
	tests := map[string]string{
		"not json":       `{`,
		"legacy type":    strings.Replace(g, "Statement/v1", "Statement/v0.1", 1),
		"other type":     strings.Replace(g, "in-toto.io", "example.com", 1),
		"unknown field":  strings.Replace(g, `"_type"`, `"extra": 1, "_type"`, 1),
		"short digest":   strings.Replace(g, h, h[:10], 1),
		"non-hex digest": strings.Replace(g, h, "zz"+h[2:], 1),
		"no predicate":   `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + h + `"}}],"predicateType":"x"}`,
		"no subject":     `{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"x","predicate":{}}`,
		"no digest":      `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a"}],"predicateType":"x","predicate":{}}`,
		"too large":      g + strings.Repeat(" ", MaxStatementSize),
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseStatement([]byte(in)); !errors.Is(err, attest.ErrBadInput) {
				t.Fatalf("err = %v, want ErrBadInput", err)
			}
		})
	}
}

func TestVerificationReportPredicate(t *testing.T) {
	report := []byte(`{"schema":"https://github.com/ats-run/selfattest/report/v1","title":"KMS","status":"pass",` +
		`"details":{"timestamp":"2025-10-23T14:23:42Z"},"checks":[{"group":"hash-comparison","name":"SHA-256",` +
		`"expected":"ab","actual":"ab","verdict":"pass"}],"sigstore":{"signature":"pass","rekor_log_index":123456789}}`)
	st, err := NewStatement(VerificationReport{Report: report}, Subject{Name: "kms.mjs", Digests: attest.MeasureBytes([]byte("x"))})
	if err != nil {
		t.Fatal(err)
	}
	if st.GetPredicateType() != "https://github.com/ats-run/selfattest/predicate/verification-report/v1" {
		t.Fatalf("predicate type %q", st.GetPredicateType())
	}
	out, err := MarshalStatement(st)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseStatement(out)
	if err != nil {
		t.Fatal(err)
	}
	vr, err := ParseVerificationReport(back)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, vr.Report, report)

	if _, err := ParseVerificationReport(mustStatement(t, fixtureProvenance(t))); !errors.Is(err, attest.ErrBadInput) {
		t.Fatalf("a provenance statement read as a report: %v", err)
	}
	for name, r := range map[string]string{
		"other schema":   `{"schema":"https://example.com/report/v2"}`,
		"no schema":      `{"status":"pass"}`,
		"schema case":    `{"Schema":"` + ReportSchemaV1 + `"}`,
		"key twice":      `{"schema":"` + ReportSchemaV1 + `","schema":"x"}`,
		"schema number":  `{"schema":1}`,
		"trailing data":  `{"schema":"` + ReportSchemaV1 + `"} {}`,
		"not json":       `{"schema":`,
		"array":          `[{"schema":"` + ReportSchemaV1 + `"}]`,
		"empty":          ``,
		"null predicate": `null`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := (VerificationReport{Report: []byte(r)}).PredicateJSON(); !errors.Is(err, attest.ErrBadInput) {
				t.Fatalf("err = %v, want ErrBadInput", err)
			}
		})
	}
}

func mustStatement(t *testing.T, p Predicate) *intotov1.Statement {
	t.Helper()
	st, err := NewStatement(p, Subject{Name: "a", Digests: attest.MeasureBytes(nil)})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func FuzzParseStatement(f *testing.F) {
	st, _ := NewStatement(VerificationReport{Report: []byte(`{"schema":"` + ReportSchemaV1 + `","n":[1,2.5,true,null]}`)},
		Subject{Name: "a", Digests: attest.MeasureBytes(nil)})
	good, _ := MarshalStatement(st)
	f.Add(good)
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseStatement(b)
		if err != nil {
			if !errors.Is(err, attest.ErrBadInput) {
				t.Fatalf("error does not wrap ErrBadInput: %v", err)
			}
			return
		}
		out, err := MarshalStatement(st)
		if err != nil {
			t.Fatalf("accepted %q but cannot write it back: %v", b, err)
		}
		again, err := ParseStatement(out)
		if err != nil {
			t.Fatalf("re-encoding %q does not parse: %v", out, err)
		}
		out2, err := MarshalStatement(again)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("not stable: %q vs %q (%v)", out, out2, err)
		}
	})
}
