package rekorv2_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/ats-run/selfattest/internal/rekorv2"
)

func TestBinaryOverride(t *testing.T) {
	dir := t.TempDir()
	t.Run("missing", func(t *testing.T) {
		t.Setenv(rekorv2.EnvBinary, filepath.Join(dir, "nope"))
		_, err := rekorv2.Binary()
		if !errors.Is(err, rekorv2.ErrNoBinary) || !strings.Contains(err.Error(), ".ci/rekor-server.sh") {
			t.Fatalf("Binary() error = %v, want ErrNoBinary naming .ci/rekor-server.sh", err)
		}
	})
	t.Run("not executable", func(t *testing.T) {
		p := filepath.Join(dir, "plain")
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Setenv(rekorv2.EnvBinary, p)
		if _, err := rekorv2.Binary(); !errors.Is(err, rekorv2.ErrNoBinary) {
			t.Fatalf("Binary() error = %v, want ErrNoBinary", err)
		}
	})
	t.Run("present", func(t *testing.T) {
		p := filepath.Join(dir, "posix")
		if err := os.WriteFile(p, nil, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv(rekorv2.EnvBinary, p)
		if got, err := rekorv2.Binary(); err != nil || got != p {
			t.Fatalf("Binary() = %q, %v; want %q", got, err, p)
		}
	})
	t.Run("cache", func(t *testing.T) {
		t.Setenv(rekorv2.EnvBinary, "")
		t.Setenv("XDG_CACHE_HOME", dir)
		p := filepath.Join(dir, "selfattest", "rekor-server", rekorv2.Version, "posix")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o755); err != nil {
			t.Fatal(err)
		}
		if got, err := rekorv2.Binary(); err != nil || got != p {
			t.Fatalf("Binary() = %q, %v; want %q", got, err, p)
		}
	})
}

// TestCheckpointKeyHint starts the real server and checks that the
// checkpoint it publishes names our origin, is signed by our key, and
// carries KeyID's first four bytes as its key hint.
func TestCheckpointKeyHint(t *testing.T) {
	srv := rekorv2.Start(t, rekorv2.Options{})
	// The server writes the empty tree's checkpoint before it serves;
	// allow a moment all the same.
	var cp []byte
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(srv.TilesURL + "/checkpoint")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || time.Now().After(deadline) {
				break
			}
		} else if time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	cp = get(t, srv.TilesURL+"/checkpoint")
	text, sigs, ok := strings.Cut(string(cp), "\n\n")
	if !ok {
		t.Fatalf("checkpoint is not a signed note:\n%s", cp)
	}
	text += "\n"
	if origin, _, _ := strings.Cut(text, "\n"); origin != srv.Origin {
		t.Errorf("checkpoint origin %q, want %q", origin, srv.Origin)
	}
	id := rekorv2.KeyID(srv.Origin, srv.PublicKey)
	var found bool
	for _, line := range strings.Split(strings.TrimSuffix(sigs, "\n"), "\n") {
		name, b64, ok := strings.Cut(strings.TrimPrefix(line, "— "), " ")
		if !ok || name != srv.Origin {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(sig) != 4+ed25519.SignatureSize {
			t.Fatalf("signature line %q: %v", line, err)
		}
		if !bytes.Equal(sig[:4], id[:4]) {
			t.Errorf("key hint %x, KeyID %x", sig[:4], id[:4])
		}
		if !ed25519.Verify(srv.PublicKey, []byte(text), sig[4:]) {
			t.Errorf("checkpoint signature does not verify with the log key")
		}
		found = true
	}
	if !found {
		t.Fatalf("no signature by %q in\n%s", srv.Origin, cp)
	}

	t.Run("write API answers 501 for reads", func(t *testing.T) {
		resp, err := http.Get(srv.URL + "/checkpoint")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("the write API served the checkpoint; TilesURL is no longer needed")
		}
	})
	t.Run("tiles are read-only", func(t *testing.T) {
		resp, err := http.Post(srv.TilesURL+"/checkpoint", "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST to TilesURL: %s", resp.Status)
		}
	})
}

// TestTrustedRoot checks that sigstore-go reads the trusted root and keys
// the log by its KeyID.
func TestTrustedRoot(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &rekorv2.Server{Origin: "log.example.invalid", PublicKey: pub, Started: time.Now()}
	tsa := rekorv2.StartTSA(t)
	tr, err := root.NewTrustedRootFromJSON(srv.TrustedRootJSON(tsa.Root()))
	if err != nil {
		t.Fatal(err)
	}
	logs := tr.RekorLogs()
	tl, ok := logs[hex.EncodeToString(rekorv2.KeyID(srv.Origin, pub))]
	if len(logs) != 1 || !ok {
		t.Fatalf("RekorLogs() = %v, want one log keyed by KeyID", logs)
	}
	if tl.BaseURL != "https://"+srv.Origin {
		t.Errorf("BaseURL %q", tl.BaseURL)
	}
	if k, ok := tl.PublicKey.(ed25519.PublicKey); !ok || !k.Equal(pub) {
		t.Errorf("PublicKey %T %v", tl.PublicKey, tl.PublicKey)
	}
	if n := len(tr.TimestampingAuthorities()); n != 1 {
		t.Errorf("%d timestamping authorities, want 1", n)
	}
}

// TestKeyIDVector pins KeyID to the C2SP signed-note key hash by the
// golang.org/x/mod/sumdb/note documentation's example key:
// PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW.
func TestKeyIDVector(t *testing.T) {
	raw, err := base64.StdEncoding.DecodeString("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
	if err != nil {
		t.Fatal(err)
	}
	id := rekorv2.KeyID("PeterNeumann", ed25519.PublicKey(raw[1:]))
	if got := hex.EncodeToString(id[:4]); got != "c74f20a3" {
		t.Errorf("key hint %s, want c74f20a3", got)
	}
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return b
}
