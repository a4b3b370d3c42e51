package rekorv1_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/rekorv1"
	"github.com/ats-run/selfattest/verify/tlog/sigstoreroot"
)

// Fetch a Rekor v1 entry by its UUID and believe it only once it is
// verified, here from a captured response stored as a file (a
// rekorv1.NewHTTPFetcher reads the live API the same way).
func ExampleFetchEntry() {
	tr, err := root.NewTrustedRootFromPath(filepath.Join(realworld, "trusted_root.json"))
	if err != nil {
		log.Fatal(err)
	}
	keys, err := sigstoreroot.LogKeys(tr)
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.OpenRoot("testdata")
	if err != nil {
		log.Fatal(err)
	}
	defer dir.Close()
	f := rekorv1.NewDirFetcher(dir)

	const uuid = "24296fb24b8ad77a86407f5cc9c6f0d1a84fede6cfe1265fe0b3e1a4e21b4c0695e4a021ec11338f"
	e, err := rekorv1.FetchEntry(context.Background(), f.Entry, uuid, keys...)
	if err != nil {
		log.Fatal(err) // errors.Is(err, tlog.ErrVerification): the log lied
	}
	fmt.Println("log index", e.LogIndex, "integrated", e.IntegratedTime.Format("2006-01-02"))
	fmt.Println("checkpoint", e.Checkpoint.Origin, e.Checkpoint.Size)

	// An entry the folder does not hold: could not check, not a lie.
	_, err = rekorv1.FetchEntry(context.Background(), f.Entry, uuid[:len(uuid)-1]+"0", keys...)
	fmt.Println(errors.Is(err, tlog.ErrUnavailable), errors.Is(err, tlog.ErrVerification))
	// Output:
	// log index 27246492 integrated 2023-07-12
	// checkpoint rekor.sigstore.dev - 2605736670972794746 23083062
	// true false
}
