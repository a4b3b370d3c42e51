package ecfixed

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"testing"
)

// wycheproofFile is the part of a Wycheproof ecdsa_verify_schema_v1.json
// file that the test uses.
type wycheproofFile struct {
	Algorithm     string `json:"algorithm"`
	Schema        string `json:"schema"`
	NumberOfTests int    `json:"numberOfTests"`
	TestGroups    []struct {
		Type      string `json:"type"`
		SHA       string `json:"sha"`
		PublicKey struct {
			Curve        string `json:"curve"`
			Uncompressed string `json:"uncompressed"`
		} `json:"publicKey"`
		Tests []struct {
			TcID    int      `json:"tcId"`
			Comment string   `json:"comment"`
			Flags   []string `json:"flags"`
			Msg     string   `json:"msg"`
			Sig     string   `json:"sig"`
			Result  string   `json:"result"` // valid, invalid or acceptable
		} `json:"tests"`
	} `json:"testGroups"`
}

// wycheproofHashes maps a file's "sha" to the hash function.
var wycheproofHashes = map[string]func() hash.Hash{
	"SHA-256":  sha256.New,
	"SHA-384":  sha512.New384,
	"SHA-512":  sha512.New,
	"SHA3-384": func() hash.Hash { return sha3.New384() },
}

// TestWycheproof runs the Wycheproof ECDSA P-384 verification vectors
// (testdata/wycheproof, see SOURCE.md there). Every case must get the
// result Wycheproof gives ("acceptable" cases may go either way) and the
// result crypto/ecdsa gives.
func TestWycheproof(t *testing.T) {
	files, err := filepath.Glob("testdata/wycheproof/ecdsa_secp384r1_*_test.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 4 {
		t.Fatalf("found %d Wycheproof files, want the 4 that SOURCE.md lists", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			runWycheproofFile(t, file)
		})
	}
}

func runWycheproofFile(t *testing.T, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var f wycheproofFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if f.Algorithm != "ECDSA" || f.Schema != "ecdsa_verify_schema_v1.json" {
		t.Fatalf("algorithm %q, schema %q: not an ECDSA verification file", f.Algorithm, f.Schema)
	}
	ran, valid := 0, 0
	for _, g := range f.TestGroups {
		if g.Type != "EcdsaVerify" || g.PublicKey.Curve != "secp384r1" {
			t.Fatalf("group of type %q on %q", g.Type, g.PublicKey.Curve)
		}
		newHash, ok := wycheproofHashes[g.SHA]
		if !ok {
			t.Fatalf("unknown hash %q", g.SHA)
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P384(), mustHex(t, g.PublicKey.Uncompressed))
		if err != nil {
			t.Fatalf("public key %s: %v", g.PublicKey.Uncompressed, err)
		}
		v := newVerifier(t, pub)
		for _, tc := range g.Tests {
			h := newHash()
			h.Write(mustHex(t, tc.Msg))
			digest, sig := h.Sum(nil), mustHex(t, tc.Sig)
			name := fmt.Sprintf("tcId %d (%s, %v)", tc.TcID, tc.Comment, tc.Flags)

			got := checkSame(t, v, pub, name, digest, sig)
			switch tc.Result {
			case "valid":
				valid++
				if !got {
					t.Errorf("%s: rejected, Wycheproof says valid", name)
				}
			case "invalid":
				if got {
					t.Errorf("%s: accepted, Wycheproof says invalid", name)
				}
			case "acceptable":
			default:
				t.Fatalf("%s: unknown result %q", name, tc.Result)
			}
			ran++
		}
	}
	if ran != f.NumberOfTests {
		t.Errorf("ran %d cases, the file says it has %d", ran, f.NumberOfTests)
	}
	t.Logf("%d cases, %d valid", ran, valid)
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
