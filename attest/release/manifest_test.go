package release

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/attest"
)

func sampleManifest(t *testing.T) []byte {
	t.Helper()
	dst, _ := release(t, distDir, Options{})
	b, err := os.ReadFile(filepath.Join(dst, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseManifestRejects(t *testing.T) {
	good := string(sampleManifest(t))
	m, err := ParseManifest([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	app := m.Files[1]
	if app.Path != "assets/app.js" {
		t.Fatal(app.Path)
	}
	h := app.Digests.Hex(attest.SHA256)
	tests := map[string]string{
		"not json":             `{`,
		"other schema":         strings.Replace(good, "release-manifest/v1", "release-manifest/v2", 1),
		"unknown field":        strings.Replace(good, `"version"`, `"extra": 1, "version"`, 1),
		"key case":             strings.Replace(good, `"version"`, `"Version"`, 1),
		"key twice":            strings.Replace(good, `  "version": "1.0.1",`, `  "version": "1.0.1",`+"\n"+`  "version": "1.0.1",`, 1),
		"reindented":           strings.ReplaceAll(good, "  ", "   "),
		"no final newline":     strings.TrimSuffix(good, "\n"),
		"upper-case hex":       strings.Replace(good, h, strings.ToUpper(h), 1),
		"digest edited":        strings.Replace(good, h, strings.Repeat("0", 64), 1),
		"content path edited":  strings.Replace(good, app.ContentPath, "assets/app.js", 1),
		"path escapes":         strings.Replace(good, `"path": "assets/app.js"`, `"path": "../app.js"`, 1),
		"unsorted":             strings.Replace(good, `"path": "about.htm"`, `"path": "zz.htm"`, 1),
		"entry point dropped":  strings.Replace(good, `      "entry_point": true,`+"\n", "", 1),
		"integrity of nothing": strings.Replace(good, app.Integrity, attest.FormatIntegrity(attest.MeasureBytes(nil), attest.SHA384), 1),
		"version with v":       strings.Replace(good, `"version": "1.0.1"`, `"version": "v1.0.1"`, 1),
		"negative size":        strings.Replace(good, `"size": 129`, `"size": -129`, 1),
		"null files":           `{"schema":"` + ManifestSchemaV1 + `","version":"1","files":null}`,
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if in == good {
				t.Fatal("tamper changed nothing")
			}
			if _, err := ParseManifest([]byte(in)); !errors.Is(err, attest.ErrBadInput) {
				t.Fatalf("err = %v, want ErrBadInput", err)
			}
		})
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"schema":"` + ManifestSchemaV1 + `","version":"1","files":[]}`))
	f.Add([]byte("{\n  \"schema\": \"" + ManifestSchemaV1 + "\",\n  \"version\": \"1\",\n  \"files\": []\n}\n"))
	if b, err := os.ReadFile("testdata/manifest-seed.json"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b)
		if err != nil {
			if !errors.Is(err, attest.ErrBadInput) {
				t.Fatalf("error does not wrap ErrBadInput: %v", err)
			}
			return
		}
		out, err := FormatManifest(m)
		if err != nil {
			t.Fatalf("accepted but cannot format: %v", err)
		}
		if string(out) != string(b) {
			t.Fatalf("accepted %q but formats as %q", b, out)
		}
	})
}
