package report

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzParse holds Parse to its contract on any input: it never panics,
// every error wraps ErrInvalid, and whatever it accepts writes back out
// and parses again to an equal report, renders in every form, and is never
// a pass its verdicts contradict.
func FuzzParse(f *testing.F) {
	f.Add(readFile(f, "pass.json"))
	for _, fx := range fixtures {
		var b bytes.Buffer
		if err := fx.report().WriteJSON(&b); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	var b bytes.Buffer
	if err := hostileReport().WriteJSON(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte(report("pass", "["+passCheck+","+failCheck+"]")))
	f.Add([]byte(report("error", "null")))
	f.Add([]byte(`{"schema":"` + SchemaV1 + `","status":"fail","Status":"pass","checks":[],"details":{"extra":{}},"artifacts":[]}`))
	f.Add([]byte(`{"schema":"` + SchemaV1 + `","status":"error","checks":[],"details":{},"subject":{"name":"","digests":null,"size":0},"sigstore":{"signature":"info","rekor_log_index":0}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(``))

	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			if r != nil {
				t.Fatal("a report returned with an error")
			}
			return
		}
		if r.Status == StatusPass {
			if o := r.outcome(); o.status != StatusPass {
				t.Fatalf("accepted a pass whose verdicts give %q", o.status)
			}
		}
		var out bytes.Buffer
		if err := r.WriteJSON(&out); err != nil {
			t.Fatalf("WriteJSON of an accepted report: %v", err)
		}
		r2, err := Parse(out.Bytes())
		if err != nil {
			t.Fatalf("Parse(WriteJSON(Parse(data))): %v\n%s", err, out.Bytes())
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("round trip changed the report:\n%+v\n%+v", r, r2)
		}
		if err := r.WriteMarkdown(&out); err != nil {
			t.Fatalf("WriteMarkdown of an accepted report: %v", err)
		}
		if err := r.WriteText(&out, TextOptions{Color: true}); err != nil {
			t.Fatalf("WriteText of an accepted report: %v", err)
		}
	})
}
