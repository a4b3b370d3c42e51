package monitor_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/monitor"
)

// Monitor a log for the entries that mention "release", twice: the second
// run reads only what the log added since the first.
func ExampleMonitor_Run() {
	ctx := context.Background()
	l := newExampleLog("log.example")
	l.append("build 1", "release v1.0.0", "build 2")

	match := func(entry []byte) ([]monitor.Match, error) {
		if !bytes.Contains(entry, []byte("release")) {
			return nil, nil
		}
		return []monitor.Match{{Rule: "release", Facts: map[string]string{"entry": string(entry)}}}, nil
	}
	store := &monitor.MemoryStore{} // or monitor.NewFileStore("state.json")
	mon, err := monitor.New("log.example", []*tlog.LogKey{l.key}, l, store, match, monitor.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for i := range 2 {
		if i == 1 {
			l.append("build 3", "release v1.1.0")
		}
		run, err := mon.Run(ctx)
		if err != nil {
			log.Fatal(err) // errors.Is(err, tlog.ErrVerification): the log lied
		}
		fmt.Printf("tree size %d, entries %d to %d scanned\n", run.Checkpoint.Size, run.From, run.To)
		for _, m := range run.Matches {
			fmt.Printf("  entry %d: %s\n", m.Index, m.Facts["entry"])
		}
	}
	// Output:
	// tree size 3, entries 0 to 3 scanned
	//   entry 1: release v1.0.0
	// tree size 5, entries 3 to 5 scanned
	//   entry 4: release v1.1.0
}

// exampleLog is a tlog-tiles log of fewer than 256 entries held in
// memory: one partial level-0 hash tile and one partial entry bundle, and
// a checkpoint signed with an Ed25519 key. It is a [monitor.Fetcher].
type exampleLog struct {
	origin  string
	signer  note.Signer
	key     *tlog.LogKey
	entries [][]byte
}

func newExampleLog(origin string) *exampleLog {
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		log.Fatal(err)
	}
	// vkey is "name+hash+base64(0x01 || public key)".
	raw, err := base64.StdEncoding.DecodeString(strings.SplitN(vkey, "+", 3)[2])
	if err != nil {
		log.Fatal(err)
	}
	key, err := tlog.NewLogKey(origin, ed25519.PublicKey(raw[1:]))
	if err != nil {
		log.Fatal(err)
	}
	return &exampleLog{origin: origin, signer: signer, key: key}
}

func (l *exampleLog) append(entries ...string) {
	for _, e := range entries {
		l.entries = append(l.entries, []byte(e))
	}
}

// root is the RFC 6962 Merkle tree hash of hashes.
func root(hashes [][]byte) []byte {
	if len(hashes) == 1 {
		return hashes[0]
	}
	k := 1
	for k*2 < len(hashes) {
		k *= 2
	}
	return rfc6962.DefaultHasher.HashChildren(root(hashes[:k]), root(hashes[k:]))
}

func (l *exampleLog) leaves() [][]byte {
	var hs [][]byte
	for _, e := range l.entries {
		hs = append(hs, rfc6962.DefaultHasher.HashLeaf(e))
	}
	return hs
}

func (l *exampleLog) Checkpoint(context.Context) ([]byte, error) {
	body, err := tlog.FormatCheckpoint(&tlog.Checkpoint{Origin: l.origin, Size: uint64(len(l.entries)), Hash: root(l.leaves())})
	if err != nil {
		return nil, err
	}
	return note.Sign(&note.Note{Text: string(body)}, l.signer)
}

func (l *exampleLog) Tile(_ context.Context, level, index uint64, p uint8) ([]byte, error) {
	if level != 0 || index != 0 || int(p) != len(l.entries) {
		return nil, fmt.Errorf("%s: %w", tlog.TilePath(level, index, p), os.ErrNotExist)
	}
	return bytes.Join(l.leaves(), nil), nil
}

func (l *exampleLog) EntryBundle(_ context.Context, index uint64, p uint8) ([]byte, error) {
	if index != 0 || int(p) != len(l.entries) {
		return nil, fmt.Errorf("%s: %w", tlog.EntryBundlePath(index, p), os.ErrNotExist)
	}
	var b []byte
	for _, e := range l.entries {
		b = binary.BigEndian.AppendUint16(b, uint16(len(e)))
		b = append(b, e...)
	}
	return b, nil
}
