package tlog_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/ats-run/selfattest/verify/tlog"
)

// seedCheckpoints adds every real checkpoint of the conformance data.
func seedCheckpoints(f *testing.F, body bool) {
	dirs, _ := filepath.Glob(filepath.Join(conformance, "bundle-verify", "*"))
	for _, d := range dirs {
		raw, err := os.ReadFile(filepath.Join(d, "bundle.sigstore.json"))
		if err != nil {
			continue
		}
		var b struct {
			VerificationMaterial struct {
				TlogEntries []struct {
					InclusionProof struct {
						Checkpoint struct {
							Envelope string `json:"envelope"`
						} `json:"checkpoint"`
					} `json:"inclusionProof"`
				} `json:"tlogEntries"`
			} `json:"verificationMaterial"`
		}
		if json.Unmarshal(raw, &b) != nil {
			continue
		}
		for _, e := range b.VerificationMaterial.TlogEntries {
			cp := []byte(e.InclusionProof.Checkpoint.Envelope)
			if i := bytes.LastIndex(cp, []byte("\n\n")); body && i >= 0 {
				cp = cp[:i+1]
			}
			if len(cp) > 0 {
				f.Add(cp)
			}
		}
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	seedCheckpoints(f, true)
	f.Add([]byte("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		c, err := tlog.ParseCheckpoint(text)
		if err != nil {
			if !errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("rejection %v does not wrap ErrVerification", err)
			}
			return
		}
		out, err := tlog.FormatCheckpoint(c)
		if err != nil {
			t.Fatalf("FormatCheckpoint of a parsed checkpoint: %v", err)
		}
		if !bytes.Equal(out, text) {
			t.Fatalf("round trip %q -> %q", text, out)
		}
	})
}

// FuzzVerifyCheckpoint feeds arbitrary notes to VerifyCheckpoint with the
// real Rekor v2 staging key: nothing may panic, and anything accepted must
// carry a signature by that key over a checkpoint with that origin.
func FuzzVerifyCheckpoint(f *testing.F) {
	seedCheckpoints(f, false)
	keys := loadKeys(f, filepath.Join(conformance, "bundle-verify", "rekor2-happy-path", "trusted_root.json"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		cp, err := tlog.VerifyCheckpoint(msg, rekorV2Origin, keys...)
		if err != nil {
			if !errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("rejection %v does not wrap ErrVerification", err)
			}
			return
		}
		if cp.Origin != rekorV2Origin || len(cp.Sigs) == 0 {
			t.Fatalf("accepted %+v", cp)
		}
	})
}

func FuzzParseCosignature(f *testing.F) {
	f.Add("witness.example", uint32(0x3bc3c7e4), "O8PH5AAAAABopO8+4O9uzScQrNEnGdKLYXSPoUjH1Se4n92W+wT/j5Kel/4J2XWE4bEe9bpIVUD6EGOeUDFkSWz/rbDhvVcJ/2OrDw==")
	f.Add("l", uint32(0xf30d5a99), "8w1amdbj1mjNN674dHAkD92+QZoEgBC7o0mXYSTRluDjQrOPjrps3zQB9ut+ShLepyZPsWBDi5IB3yXyjgjQT6OG9A8=")
	f.Fuzz(func(t *testing.T, name string, hash uint32, b64 string) {
		ts, sig, err := tlog.ParseCosignature(note.Signature{Name: name, Hash: hash, Base64: b64})
		if err != nil {
			if !errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("rejection %v does not wrap ErrVerification", err)
			}
			return
		}
		if len(sig) != 72 || ts.Unix() < 0 {
			t.Fatalf("accepted %v, %d bytes", ts, len(sig))
		}
	})
}

// FuzzVerifyWitnesses feeds arbitrary cosignature lines on a real
// checkpoint to the real witness policy: nothing panics, and nothing but the
// three real cosignatures ever counts.
func FuzzVerifyWitnesses(f *testing.F) {
	const dir = "rekor2-dsse-happy-path"
	keys := loadKeys(f, filepath.Join(conformance, "bundle-verify", dir, "trusted_root.json"))
	e := loadBundleEntry(f, dir)
	witnesses := loadWitnessKeys(f)
	i := bytes.IndexByte(e.Checkpoint[bytes.LastIndex(e.Checkpoint, []byte("\n\n"))+2:], '\n')
	logOnly := e.Checkpoint[:bytes.LastIndex(e.Checkpoint, []byte("\n\n"))+2+i+1]
	f.Add(e.Checkpoint[len(logOnly):])
	f.Add([]byte("— witness.stagemole.eu Z/euoAAAAABqBM+21mV7JbHwWmLP20ZSpNWneHMkITOPopt+Vj1MoJSILqOIPpx93pbRfA0U+Eq5IiJjEUhG1JwGhPCJEUT5yDcFDg==\n"))
	f.Fuzz(func(t *testing.T, lines []byte) {
		cp, err := tlog.VerifyCheckpoint(append(bytes.Clone(logOnly), lines...), "log2025-alpha3.rekor.sigstage.dev", keys...)
		if err != nil {
			return
		}
		res, err := tlog.VerifyWitnesses(cp, tlog.WitnessPolicy{Keys: witnesses, Threshold: 1})
		if err != nil {
			if !errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("rejection %v does not wrap ErrVerification", err)
			}
			return
		}
		for _, c := range res.Cosignatures {
			if !bytes.Contains(e.Checkpoint, []byte(c.Line.Base64)) {
				t.Fatalf("counted a cosignature that is not one of the real ones: %+v", c)
			}
		}
	})
}
