package sigstore

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/attest"
)

func TestParseArtifactDigest(t *testing.T) {
	s256 := sha256.Sum256([]byte("a"))
	s512 := sha512.Sum512([]byte("a"))
	h256, h512 := hex.EncodeToString(s256[:]), hex.EncodeToString(s512[:])
	for _, good := range []struct {
		in  string
		alg attest.Algorithm
	}{{"sha256:" + h256, attest.SHA256}, {"sha512:" + h512, attest.SHA512}} {
		a, err := ParseArtifactDigest(good.in)
		if err != nil || a.alg != good.alg || hex.EncodeToString(a.digest) != strings.TrimPrefix(strings.TrimPrefix(good.in, "sha256:"), "sha512:") {
			t.Fatalf("ParseArtifactDigest(%q) = %+v, %v", good.in, a, err)
		}
	}
	bad := map[string]string{
		"no algorithm":          h256,
		"unknown algorithm":     "md5:" + h256[:32],
		"sha1":                  "sha1:" + h256[:40],
		"sha256 of sha512 size": "sha256:" + h512,
		"sha512 of sha256 size": "sha512:" + h256,
		"one digit short":       "sha256:" + h256[:63],
		"upper-case hex":        "sha256:" + strings.ToUpper(h256),
		"not hex":               "sha256:" + strings.Repeat("zz", 32),
		"upper-case algorithm":  "SHA256:" + h256,
		"space":                 "sha256: " + h256[1:],
		"empty":                 "",
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseArtifactDigest(in); !errors.Is(err, ErrBadInput) {
				t.Fatalf("ParseArtifactDigest(%q): err = %v, want ErrBadInput", in, err)
			}
			if IsArtifactDigest(in) {
				t.Fatalf("IsArtifactDigest(%q) = true", in)
			}
		})
	}
}

func TestParseBundleRejects(t *testing.T) {
	for name, in := range map[string][]byte{
		"over MaxBundleSize": append([]byte(`{"mediaType":"`), bytes.Repeat([]byte("a"), MaxBundleSize)...),
		"not JSON":           []byte("{"),
		"empty":              nil,
		"unknown media type": []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.9+json"}`),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseBundle(in); !errors.Is(err, ErrVerification) {
				t.Fatalf("err = %v, want ErrVerification", err)
			}
		})
	}
}

func TestParsePublicKeyPEMRejects(t *testing.T) {
	for name, in := range map[string][]byte{
		"over MaxKeySize": bytes.Repeat([]byte("A"), MaxKeySize+1),
		"not PEM":         []byte("not a key"),
		"certificate":     []byte("-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n"),
		"empty":           nil,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParsePublicKeyPEM(in); !errors.Is(err, ErrBadInput) {
				t.Fatalf("err = %v, want ErrBadInput", err)
			}
		})
	}
}

func FuzzParseArtifactDigest(f *testing.F) {
	s := sha512.Sum512(nil)
	f.Add("sha512:" + hex.EncodeToString(s[:]))
	f.Add("sha256:" + hex.EncodeToString(s[:32]))
	f.Add("sha384:")
	f.Fuzz(func(t *testing.T, in string) {
		a, err := ParseArtifactDigest(in)
		if err != nil {
			if !errors.Is(err, ErrBadInput) {
				t.Fatalf("error wraps no ErrBadInput: %v", err)
			}
			return
		}
		// Whatever parses prints back to exactly the input.
		if got := string(a.alg) + ":" + hex.EncodeToString(a.digest); got != in || len(a.digest) != a.alg.Size() {
			t.Fatalf("%q parsed as %q", in, got)
		}
	})
}
