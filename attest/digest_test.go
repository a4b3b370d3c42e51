package attest

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDigestsJSON(t *testing.T) {
	d := MeasureBytes([]byte("hello\n"))
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	// sha256sum of "hello\n", known independently of this package.
	if !strings.Contains(string(b), `"sha256":"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"`) || !strings.Contains(string(b), `"size":6`) {
		t.Fatalf("Marshal = %s", b)
	}
	var back Digests
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back != d {
		t.Fatalf("round trip: %v != %v", back, d)
	}
}

func TestDigestsJSONRejects(t *testing.T) {
	good, _ := json.Marshal(MeasureBytes([]byte("x")))
	g := string(good)
	h256 := MeasureBytes([]byte("x")).Hex(SHA256)
	tests := map[string]string{
		"not json":        `{`,
		"negative size":   strings.Replace(g, `"size":1`, `"size":-1`, 1),
		"short digest":    strings.Replace(g, h256, h256[:62], 1),
		"upper-case hex":  strings.Replace(g, h256, strings.ToUpper(h256), 1),
		"non-hex":         strings.Replace(g, h256, "zz"+h256[2:], 1),
		"missing sha512":  `{"size":1,"sha256":"` + h256 + `"}`,
		"unknown field":   strings.Replace(g, `{`, `{"md5":"00",`, 1),
		"string size":     strings.Replace(g, `"size":1`, `"size":"1"`, 1),
		"wrong type body": `[]`,
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			var d Digests
			if err := json.Unmarshal([]byte(in), &d); err == nil {
				t.Fatalf("Unmarshal(%s) accepted: %v", in, d)
			}
		})
	}
}

func FuzzDigestsJSON(f *testing.F) {
	good, _ := json.Marshal(MeasureBytes([]byte("x")))
	f.Add(good)
	f.Add([]byte(`{"size":0}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Digests
		if err := d.UnmarshalJSON(b); err != nil {
			return
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var again Digests
		if err := json.Unmarshal(out, &again); err != nil || again != d {
			t.Fatalf("accepted %q but its re-encoding %q does not round trip: %v", b, out, err)
		}
	})
}
