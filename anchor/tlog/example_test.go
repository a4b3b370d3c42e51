package tlog_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/ats-run/selfattest/anchor/tlog"
	vtlog "github.com/ats-run/selfattest/verify/tlog"
)

func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "example-log")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// The log's key: in real use, generated once and kept secret
	// (ParseSignerKey reads x/mod's signer key strings).
	seed := sha256.Sum256([]byte("example"))
	key := ed25519.NewKeyFromSeed(seed[:])

	l, err := tlog.Open(ctx, filepath.Join(dir, "log"), "log.example.com", key, tlog.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close(ctx)

	index, err := l.Append(ctx, []byte(`{"kind":"hashedrekord","apiVersion":"0.0.2","spec":{}}`))
	if err != nil {
		log.Fatal(err)
	}
	inc, err := l.Prove(ctx, index) // waits for a checkpoint, checks everything
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("index", inc.Index, "tree size", inc.Checkpoint.Size, "proof hashes", len(inc.Proof))

	// A verifier needs only the log key, the checkpoint note and the proof.
	cp, err := vtlog.VerifyCheckpoint(inc.Checkpoint.Note, l.Origin(), l.LogKey())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(vtlog.VerifyInclusion(cp, inc.Index, inc.Entry, inc.Proof))
	// Output:
	// index 0 tree size 1 proof hashes 0
	// <nil>
}
