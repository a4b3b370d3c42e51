package attest

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func TestContentName(t *testing.T) {
	content := []byte("export const kms = 1;\n")
	sum := sha256.Sum256(content)
	prefix := hex.EncodeToString(sum[:])[:8] // computed independently of Digests.Hex
	d := MeasureBytes(content)
	tests := []struct {
		name, file, version, want string
	}{
		{"seed form", "kms.mjs", "1.0.1", "kms-v1.0.1-" + prefix + ".mjs"},
		{"leading v kept single", "kms.mjs", "v1.0.1", "kms-v1.0.1-" + prefix + ".mjs"},
		{"last extension moves", "app.min.js", "2.0.0", "app.min-v2.0.0-" + prefix + ".js"},
		{"no extension", "LICENSE", "1", "LICENSE-v1-" + prefix},
		{"dot file", ".env", "1", ".env-v1-" + prefix},
		{"trailing dot", "file.", "1", "file.-v1-" + prefix},
		{"prerelease and build", "a.css", "1.0.0-rc.1+b7", "a-v1.0.0-rc.1+b7-" + prefix + ".css"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ContentName(tt.file, tt.version, d)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("ContentName(%q, %q) = %q, want %q", tt.file, tt.version, got, tt.want)
			}
		})
	}
}

func TestContentNameRejects(t *testing.T) {
	d := MeasureBytes(nil)
	tests := []struct{ name, file, version string }{
		{"empty name", "", "1"},
		{"path", "dist/kms.mjs", "1"},
		{"windows path", `dist\kms.mjs`, "1"},
		{"dot dot", "..", "1"},
		{"empty version", "kms.mjs", ""},
		{"bare v", "kms.mjs", "v"},
		{"slash in version", "kms.mjs", "1.0/../../x"},
		{"space in version", "kms.mjs", "1 0"},
		{"nul in name", "a\x00.js", "1"},
		{"unicode version", "kms.mjs", "1.0.١"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := ContentName(tt.file, tt.version, d); err == nil {
				t.Fatalf("ContentName(%q, %q) = %q, want an error", tt.file, tt.version, got)
			}
		})
	}
}
