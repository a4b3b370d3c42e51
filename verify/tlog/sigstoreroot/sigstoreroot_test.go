package sigstoreroot_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/sigstoreroot"
)

// The captured data is the Sigstore conformance suite and the public-good
// trusted root; see ../../../testdata/sigstore/SOURCE.md.
const conformance = "../../../testdata/sigstore/conformance"

func TestLogKeyRefuses(t *testing.T) {
	tr, err := root.NewTrustedRootFromPath(filepath.Join(conformance, "production", "trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	var base *root.TransparencyLog
	for _, tl := range tr.RekorLogs() {
		if tl.BaseURL == "https://log2025-1.rekor.sigstore.dev" {
			base = tl
		}
	}
	if base == nil {
		t.Fatal("no Rekor v2 log in the production root")
	}
	k, err := sigstoreroot.LogKey(base)
	if err != nil || k.Name() != "log2025-1.rekor.sigstore.dev" || !bytes.Equal(k.LogID(), base.ID) {
		t.Fatalf("LogKey = %v, %v", k, err)
	}
	for name, mutate := range map[string]func(*root.TransparencyLog){
		"log ID of another key": func(tl *root.TransparencyLog) { tl.ID = bytes.Repeat([]byte{1}, 32) },
		// The Ed25519 ID commits to the name: a root moving the key to another host is refused.
		"other host":            func(tl *root.TransparencyLog) { tl.BaseURL = "https://log2025-2.rekor.sigstore.dev" },
		"no base URL":           func(tl *root.TransparencyLog) { tl.BaseURL = "" },
		"tree hash not SHA-256": func(tl *root.TransparencyLog) { tl.HashFunc = 0 },
		"unsupported key":       func(tl *root.TransparencyLog) { tl.PublicKey = "not a key" },
	} {
		t.Run(name, func(t *testing.T) {
			tl := *base
			mutate(&tl)
			_, err := sigstoreroot.LogKey(&tl)
			var pe *tlog.PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a PolicyError", err)
			}
		})
	}
}
