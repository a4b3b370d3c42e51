package report

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := seedReport().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	diff(t, b.Bytes(), readFile(t, "pass.json"))
}

func TestWriteJSONEmptyChecks(t *testing.T) {
	for _, checks := range [][]Check{nil, {}} {
		r := &Report{Schema: SchemaV1, Title: "T", Status: StatusError, Reason: "could not fetch", Checks: checks}
		var b bytes.Buffer
		if err := r.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		want := `{
  "schema": "https://github.com/ats-run/selfattest/report/v1",
  "title": "T",
  "status": "error",
  "reason": "could not fetch",
  "details": {},
  "checks": []
}
`
		diff(t, b.Bytes(), []byte(want))
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			r := f.report()
			var b bytes.Buffer
			if err := r.WriteJSON(&b); err != nil {
				t.Fatal(err)
			}
			got, err := Parse(b.Bytes())
			if err != nil {
				t.Fatalf("Parse(WriteJSON) = %v\n%s", err, b.Bytes())
			}
			if !reflect.DeepEqual(got, r) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, r)
			}
		})
	}
}

func TestParseFixture(t *testing.T) {
	got, err := Parse(readFile(t, "pass.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := seedReport(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse(pass.json):\n got %+v\nwant %+v", got, want)
	}
}

// report builds a JSON report with the given status and checks array.
func report(status, checks string) string {
	return `{"schema":"` + SchemaV1 + `","title":"T","status":"` + status + `","details":{},"checks":` + checks + `}`
}

const (
	passCheck = `{"group":"hash-comparison","name":"SHA-256","expected":"aa","actual":"aa","verdict":"pass"}`
	failCheck = `{"group":"hash-comparison","name":"SHA-256","expected":"aa","actual":"bb","verdict":"fail"}`
	errCheck  = `{"group":"subresource","name":"https://x/a.js","expected":"aa","actual":"","verdict":"error"}`
	infoCheck = `{"group":"subresource","name":"https://x/b.js","expected":"","actual":"aa","verdict":"info"}`
)

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		json string
	}{
		{"pass", report("pass", "["+passCheck+"]")},
		{"pass with info", report("pass", "["+passCheck+","+infoCheck+"]")},
		{"fail", report("fail", "["+passCheck+","+failCheck+"]")},
		{"error without checks", report("error", "[]")},
		{"error with null checks", report("error", "null")},
		{"error over a fail", report("error", "["+failCheck+"]")},
		{"fail without a failing check", report("fail", "["+passCheck+"]")},
		{"unknown fields ignored", strings.Replace(report("pass", "["+passCheck+"]"), `"title"`, `"x_future":{"a":[1,2,{"b":null}]},"title"`, 1)},
		{"sigstore", strings.Replace(report("pass", "["+passCheck+"]"), `"title"`, `"sigstore":{"signature":"pass","rekor_log_index":0},"title"`, 1)},
		{"digests with a capital key", strings.Replace(report("pass", "["+passCheck+"]"), `"title"`, `"subject":{"name":"a","digests":{"SHA256":"aa"},"size":1},"title"`, 1)},
		{"extra key named like a field", strings.Replace(report("pass", "["+passCheck+"]"), `"details":{}`, `"details":{"extra":{"Status":"x","Size":"y"}}`, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse([]byte(tt.json))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if r.Checks == nil {
				t.Fatal("Checks is nil")
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	withField := func(field string) string {
		return strings.Replace(report("pass", "["+passCheck+"]"), `"title"`, field+`,"title"`, 1)
	}
	tests := []struct {
		name string
		json string
		as   any // a pointer to the error type expected, if any
	}{
		{name: "unknown schema", json: strings.Replace(report("pass", "["+passCheck+"]"), "/v1", "/v2", 1), as: new(*SchemaError)},
		{name: "no schema", json: `{"title":"T","status":"pass","details":{},"checks":[` + passCheck + `]}`, as: new(*SchemaError)},
		{name: "in-toto statement", json: `{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"x","predicate":{}}`},
		{name: "unknown status", json: report("ok", "["+passCheck+"]")},
		{name: "empty status", json: report("", "["+passCheck+"]")},
		{name: "status in capitals", json: report("PASS", "["+passCheck+"]")},
		{name: "unknown verdict", json: report("pass", `[{"group":"g","name":"n","expected":"a","actual":"a","verdict":"ok"}]`)},
		{name: "missing verdict", json: report("fail", `[{"group":"g","name":"n","expected":"a","actual":"a"}]`)},
		{name: "unknown sigstore verdict", json: withField(`"sigstore":{"signature":"valid"}`)},
		{name: "pass with a fail check", json: report("pass", "["+passCheck+","+failCheck+"]"), as: new(*StatusMismatchError)},
		{name: "pass with an error check", json: report("pass", "["+passCheck+","+errCheck+"]"), as: new(*StatusMismatchError)},
		{name: "pass with no checks", json: report("pass", "[]"), as: new(*StatusMismatchError)},
		{name: "pass with null checks", json: report("pass", "null"), as: new(*StatusMismatchError)},
		{name: "pass with only info", json: report("pass", "["+infoCheck+"]"), as: new(*StatusMismatchError)},
		{name: "pass with failed signature", json: withField(`"sigstore":{"signature":"fail"}`), as: new(*StatusMismatchError)},
		{name: "negative size", json: withField(`"subject":{"name":"a","digests":{},"size":-1}`)},
		{name: "negative log index", json: withField(`"sigstore":{"signature":"pass","rekor_log_index":-5}`)},
		{name: "size not an integer", json: withField(`"subject":{"name":"a","digests":{},"size":1.5}`)},
		{name: "verdict not a string", json: report("pass", `[{"group":"g","name":"n","expected":"a","actual":"a","verdict":1}]`)},
		{name: "duplicate status", json: strings.Replace(report("fail", "["+failCheck+"]"), `"title"`, `"status":"pass","title"`, 1)},
		{name: "status in other case", json: strings.Replace(report("fail", "["+failCheck+"]"), `"title"`, `"Status":"pass","title"`, 1)},
		{name: "lone key in wrong case", json: strings.Replace(report("pass", "["+passCheck+"]"), `"status"`, `"STATUS"`, 1)},
		{name: "long s folds to s", json: strings.Replace(report("fail", "["+failCheck+"]"), `"title"`, `"ſtatus":"pass","title"`, 1)},
		{name: "kelvin sign folds to k", json: strings.Replace(report("pass", "["+passCheck+"]"), `"checks"`, `"chec\u212as"`, 1)},
		{name: "duplicate verdict in check", json: report("pass", `[{"group":"g","name":"n","expected":"a","actual":"b","verdict":"fail","verdict":"pass"}]`)},
		{name: "verdict in other case", json: report("pass", `[{"group":"g","name":"n","expected":"a","actual":"b","verdict":"fail","Verdict":"pass"}]`)},
		{name: "duplicate digest", json: withField(`"subject":{"name":"a","digests":{"sha256":"aa","sha256":"bb"},"size":1}`)},
		{name: "digests differing in case", json: withField(`"subject":{"name":"a","digests":{"sha256":"aa","SHA256":"bb"},"size":1}`)},
		{name: "duplicate key in unknown field", json: withField(`"x":{"a":1,"a":2}`)},
		{name: "too deep", json: withField(`"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100))},
		{name: "not UTF-8", json: strings.Replace(report("pass", "["+passCheck+"]"), `"T"`, "\"\xff\"", 1)},
		{name: "trailing data", json: report("pass", "["+passCheck+"]") + `{}`},
		{name: "trailing garbage", json: report("pass", "["+passCheck+"]") + `x`},
		{name: "truncated", json: report("pass", "["+passCheck+"]")[:50]},
		{name: "empty", json: ``},
		{name: "null", json: `null`},
		{name: "array", json: `[]`},
		{name: "garbage", json: "\x00\x01garbage"},
		{name: "oversized", json: strings.Replace(report("pass", "["+passCheck+"]"), `"T"`, `"`+strings.Repeat("a", MaxSize)+`"`, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse([]byte(tt.json))
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", r)
			}
			if r != nil {
				t.Errorf("Parse returned a report with the error %v", err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if tt.as != nil && !errors.As(err, tt.as) {
				t.Errorf("error %v is not a %T", err, tt.as)
			}
		})
	}
}

func TestStatusMismatchErrorEvidence(t *testing.T) {
	_, err := Parse([]byte(report("pass", "["+passCheck+","+failCheck+"]")))
	var e *StatusMismatchError
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *StatusMismatchError", err)
	}
	if e.Status != StatusPass || e.Derived != StatusFail || e.Reason != "check failed: SHA-256" {
		t.Fatalf("evidence = %+v", e)
	}
}

func TestSchemaErrorEvidence(t *testing.T) {
	_, err := Parse([]byte(strings.Replace(report("pass", "["+passCheck+"]"), "/v1", "/v2", 1)))
	var e *SchemaError
	if !errors.As(err, &e) || e.Schema != "https://github.com/ats-run/selfattest/report/v2" {
		t.Fatalf("error %v, want a *SchemaError naming v2", err)
	}
}

// TestWritersRefuse proves that no writer renders a report Parse would
// reject: above all, never a pass over a failed check.
func TestWritersRefuse(t *testing.T) {
	tampered := failReport()
	tampered.Status = StatusPass
	tampered.Reason = ""
	empty := New("T")
	empty.Status = StatusPass
	noisy := seedReport()
	noisy.Checks[0].Verdict = "ok"
	otherSchema := seedReport()
	otherSchema.Schema = "https://example.com/v9"
	tests := []struct {
		name string
		r    *Report
	}{
		{"unfinished", New("T")},
		{"pass over a fail", tampered},
		{"pass over nothing", empty},
		{"unknown verdict", noisy},
		{"other schema", otherSchema},
		{"nil", nil},
	}
	writers := []struct {
		name  string
		write func(*Report, *bytes.Buffer) error
	}{
		{"json", func(r *Report, b *bytes.Buffer) error { return r.WriteJSON(b) }},
		{"markdown", func(r *Report, b *bytes.Buffer) error { return r.WriteMarkdown(b) }},
		{"text", func(r *Report, b *bytes.Buffer) error { return r.WriteText(b, TextOptions{}) }},
	}
	for _, tt := range tests {
		for _, w := range writers {
			t.Run(tt.name+"/"+w.name, func(t *testing.T) {
				var b bytes.Buffer
				err := w.write(tt.r, &b)
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("error %v, want one wrapping ErrInvalid", err)
				}
				if b.Len() != 0 {
					t.Fatalf("wrote %q", b.String())
				}
			})
		}
	}
}
