package ipfs_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/ats-run/selfattest/anchor/ipfs"
	"github.com/ats-run/selfattest/anchor/ipfs/kubotest"
)

// manyFiles writes a folder f under dir of n files named
// "0000-xxx…" (100 bytes), file i holding the decimal i: a folder whose
// plain block passes 256 KiB from about 1,800 entries on.
func manyFiles(t testing.TB, dir string, n int) string {
	t.Helper()
	f := filepath.Join(dir, "f")
	if err := os.Mkdir(f, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		name := fmt.Sprintf("%04d-%s", i, strings.Repeat("x", 95))
		if err := os.WriteFile(filepath.Join(f, name), []byte(fmt.Sprint(i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// sameCARAsKubo: our CAR of root is Kubo's `dag export` of it, byte for
// byte: the same blocks in the same depth-first order.
func sameCARAsKubo(t *testing.T, node *kubotest.Node, s *ipfs.Store, root string) {
	t.Helper()
	c, err := cid.Decode(root)
	if err != nil {
		t.Fatal(err)
	}
	var ours bytes.Buffer
	if err := ipfs.ExportCAR(context.Background(), s, c, &ours, ipfs.Limits{}); err != nil {
		t.Fatal(err)
	}
	if theirs := node.Output(t, "dag", "export", "--progress=false", root); !bytes.Equal(ours.Bytes(), theirs) {
		t.Errorf("our CAR (%d bytes) differs from ipfs dag export (%d bytes)", ours.Len(), len(theirs))
	}
}

// TestHAMTEqualsKubo: sharded folders have Kubo's CIDs and CARs: one of
// 5,000 entries (two levels of shards), and a sharded folder inside a
// plain one beside a file. Each archive verifies and reassembles to the
// same tree.
func TestHAMTEqualsKubo(t *testing.T) {
	node := kubotest.Start(t, kubotest.Options{})
	ctx := context.Background()

	big := manyFiles(t, t.TempDir(), 5000)
	nested := filepath.Join(t.TempDir(), "release")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	manyFiles(t, nested, 1900) // release/f, sharded
	writeBytes(t, filepath.Join(nested, "notes.txt"), []byte("release notes\n"))

	for _, tc := range []struct {
		name  string
		path  string
		files int
	}{
		{"5000", big, 5000},
		{"nested", nested, 1901},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := node.Add(t, tc.path)
			s := newStore(t)
			start := time.Now()
			got := archive(t, s, tc.path)
			t.Logf("%s: archived %d files in %v: %s", tc.name, tc.files, time.Since(start).Round(time.Millisecond), got)
			if got.String() != want {
				t.Fatalf("CID %s, Kubo says %s", got, want)
			}
			sameCARAsKubo(t, node, s, want)
			st, err := ipfs.Verify(ctx, s, got, ipfs.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if st.Files != tc.files {
				t.Errorf("Verify counts %d files, want %d", st.Files, tc.files)
			}
			out := filepath.Join(t.TempDir(), "out")
			if _, err := ipfs.Extract(ctx, s, got, out, ipfs.Limits{}); err != nil {
				t.Fatal(err)
			}
			sameTree(t, tc.path, out)
		})
	}
}
