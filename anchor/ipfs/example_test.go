package ipfs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/ats-run/selfattest/anchor/ipfs"
)

// Archive a folder of evidence, export it as a CAR, and import the CAR
// into another store, which verifies every block against its CID and
// walks the DAG from the root; then a CAR with one byte changed. The root
// printed below is the one Kubo v0.43.1 gives the same folder
// (`ipfs init --profile test,unixfs-v1-2025`, then `ipfs add -r --hidden
// -Q --cid-version=1 --raw-leaves --chunker=size-1048576`).
func ExampleArchiver() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "example-ipfs")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	evidence := filepath.Join(dir, "evidence")
	os.MkdirAll(evidence, 0o755)
	os.WriteFile(filepath.Join(evidence, "report.json"), []byte(`{"status":"pass"}`+"\n"), 0o644)
	os.WriteFile(filepath.Join(evidence, "bundle.sigstore.json"), []byte("{}\n"), 0o644)

	store, err := ipfs.OpenStore(filepath.Join(dir, "blocks"))
	if err != nil {
		log.Fatal(err)
	}
	a := &ipfs.Archiver{Store: store}
	root, err := a.AddPath(ctx, evidence) // the CID `ipfs add -r` gives under unixfs-v1-2025
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("root:", root)

	var car bytes.Buffer
	if err := ipfs.ExportCAR(ctx, store, root, &car, ipfs.Limits{}); err != nil {
		log.Fatal(err)
	}
	other, err := ipfs.OpenStore(filepath.Join(dir, "elsewhere"))
	if err != nil {
		log.Fatal(err)
	}
	st, err := ipfs.ImportCAR(ctx, bytes.NewReader(car.Bytes()), root, other, ipfs.Limits{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("imported:", st.Files, "files")

	tampered := bytes.Replace(car.Bytes(), []byte(`"pass"`), []byte(`"fail"`), 1)
	_, err = ipfs.ImportCAR(ctx, bytes.NewReader(tampered), root, other, ipfs.Limits{})
	fmt.Println("tampered CAR rejected:", errors.Is(err, ipfs.ErrRejected))
	// Output:
	// root: bafybeicn4iamv7s37vgl52j6wagcjw7iw3jq6y25h5abp6cwzva6xflnaa
	// imported: 2 files
	// tampered CAR rejected: true
}
