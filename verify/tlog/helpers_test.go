package tlog_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	rekornote "github.com/sigstore/rekor-tiles/v2/pkg/note"
	"github.com/sigstore/sigstore/pkg/signature"
	fnote "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
	"golang.org/x/mod/sumdb/note"

	"github.com/ats-run/selfattest/verify/tlog"
)

// testLog is an in-memory RFC 6962 tree with a checkpoint signer made by the
// logs' own code: x/mod's note signer for Ed25519 (as tessera and Rekor v2
// sign), rekor-tiles' pkg/note signer for ECDSA.
type testLog struct {
	origin string
	tree   *testonly.Tree
	signer note.Signer
	key    *tlog.LogKey
}

func newEd25519Log(t testing.TB, origin string) *testLog {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := signature.LoadED25519SignerVerifier(priv)
	if err != nil {
		t.Fatal(err)
	}
	return newLog(t, origin, sv, pub)
}

func newECDSALog(t testing.TB, origin string) *testLog {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := signature.LoadECDSASignerVerifier(priv, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return newLog(t, origin, sv, &priv.PublicKey)
}

func newLog(t testing.TB, origin string, sv signature.Signer, pub crypto.PublicKey) *testLog {
	t.Helper()
	s, err := rekornote.NewNoteSigner(context.Background(), origin, sv)
	if err != nil {
		t.Fatal(err)
	}
	k, err := tlog.NewLogKey(origin, pub)
	if err != nil {
		t.Fatal(err)
	}
	if k.KeyHash() != s.KeyHash() {
		t.Fatalf("our key hash %08x, rekor-tiles' %08x", k.KeyHash(), s.KeyHash())
	}
	return &testLog{origin: origin, tree: testonly.New(rfc6962.DefaultHasher), signer: s, key: k}
}

func entry(i int) []byte { return []byte(fmt.Sprintf("entry %d", i)) }

func (l *testLog) grow(n int) {
	for i := int(l.tree.Size()); i < n; i++ {
		l.tree.AppendData(entry(i))
	}
}

// body returns the checkpoint body at size n.
func (l *testLog) body(t testing.TB, n uint64) []byte {
	t.Helper()
	b, err := tlog.FormatCheckpoint(&tlog.Checkpoint{Origin: l.origin, Size: n, Hash: l.tree.HashAt(n)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sign signs text with the log's key and any further signers (witnesses).
func (l *testLog) sign(t testing.TB, text []byte, others ...note.Signer) []byte {
	t.Helper()
	msg, err := note.Sign(&note.Note{Text: string(text)}, append([]note.Signer{l.signer}, others...)...)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func (l *testLog) checkpoint(t testing.TB, n uint64, witnesses ...note.Signer) *tlog.VerifiedCheckpoint {
	t.Helper()
	cp, err := tlog.VerifyCheckpoint(l.sign(t, l.body(t, n), witnesses...), l.origin, l.key)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// testWitness signs cosignature/v1 lines with transparency-dev/formats'
// own cosigner, so the format is theirs, not ours.
type testWitness struct {
	signer note.Signer
	key    *tlog.WitnessKey
	priv   ed25519.PrivateKey
}

func newWitness(t testing.TB, name string) *testWitness {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := tlog.ParseWitnessKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if k.KeyHash() != s.KeyHash() {
		t.Fatalf("our cosignature key hash %08x, formats' %08x", k.KeyHash(), s.KeyHash())
	}
	raw, _ := base64.StdEncoding.DecodeString(skey[len("PRIVATE+KEY+"+name+"+00000000+"):])
	return &testWitness{signer: s, key: k, priv: ed25519.NewKeyFromSeed(raw[1:])}
}

// cosignAt makes a cosignature line at a chosen time, for the duplicate
// case only (formats' signer always uses the current second). The message
// format is the one formats' signer produced in the other cases.
func (w *testWitness) cosignAt(text []byte, ts uint64) string {
	msg := fmt.Sprintf("cosignature/v1\ntime %d\n%s", ts, text)
	sig := binary.BigEndian.AppendUint32(nil, w.key.KeyHash())
	sig = binary.BigEndian.AppendUint64(sig, ts)
	sig = append(sig, ed25519.Sign(w.priv, []byte(msg))...)
	return "— " + w.key.Name() + " " + base64.StdEncoding.EncodeToString(sig) + "\n"
}

func testTime(year int) time.Time {
	if year == 0 {
		return time.Time{}
	}
	return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
}

func newTree() *testonly.Tree { return testonly.New(rfc6962.DefaultHasher) }

// flipLastSig flips one bit of the signature bytes (after the key hash, and
// after a cosignature's timestamp) of the note's last signature line,
// keeping the line well-formed.
func flipLastSig(t testing.TB, msg []byte) []byte {
	t.Helper()
	end := len(msg) - 1
	start := bytes.LastIndexByte(msg[:end], '\n') + 1
	sp := bytes.LastIndexByte(msg[start:end], ' ') + start + 1
	raw, err := base64.StdEncoding.DecodeString(string(msg[sp:end]))
	if err != nil || len(raw) < 20 {
		t.Fatalf("not a signature line: %q", msg[start:end])
	}
	raw[len(raw)-5] ^= 1
	out := append(bytes.Clone(msg[:sp]), base64.StdEncoding.EncodeToString(raw)...)
	return append(out, '\n')
}

// htmlPage is what a captive portal or a misconfigured mirror serves with
// status 200 in place of a log's object.
var htmlPage = []byte("<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><p>Please sign in.</p></body></html>\n")
