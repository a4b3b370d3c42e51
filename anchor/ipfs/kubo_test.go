package ipfs_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	dag "github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"
	ufspb "github.com/ipfs/boxo/ipld/unixfs/pb"

	"github.com/ats-run/selfattest/anchor/ipfs"
	"github.com/ats-run/selfattest/anchor/ipfs/kubotest"
)

// TestCIDsEqualKubo: the CIDs this package computes are the ones Kubo's
// `ipfs add` gives under the unixfs-v1-2025 profile, for the edge sizes
// of the chunker and for a folder. The expected CIDs come from Kubo.
func TestCIDsEqualKubo(t *testing.T) {
	node := kubotest.Start(t, kubotest.Options{})
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		size int64
	}{
		{"0B", 0},
		{"1B", 1},
		{"1MiB", 1 << 20},
		{"1MiB+1B", 1<<20 + 1},
		{"3MiB+5B", 3<<20 + 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, tc.name, 1, tc.size)
			want := node.Add(t, p)
			got := archive(t, newStore(t), p)
			t.Logf("%d bytes: %s", tc.size, want)
			if got.String() != want {
				t.Errorf("%d bytes: CID %s, Kubo says %s", tc.size, got, want)
			}
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if c, n, err := ipfs.CID(context.Background(), f, ipfs.Limits{}); err != nil || c.String() != want || n != tc.size {
				t.Errorf("CID() = %s, %d, %v; Kubo says %s for %d bytes", c, n, err, want, tc.size)
			}
		})
	}
	t.Run("folder", func(t *testing.T) {
		p := evidenceDir(t)
		want := node.Add(t, p)
		s := newStore(t)
		got := archive(t, s, p)
		if got.String() != want {
			t.Fatalf("folder: CID %s, Kubo says %s", got, want)
		}
		// And our CAR is Kubo's dag export, byte for byte: same blocks,
		// same depth-first order.
		var ours bytes.Buffer
		if err := ipfs.ExportCAR(context.Background(), s, got, &ours, ipfs.Limits{}); err != nil {
			t.Fatal(err)
		}
		if theirs := node.Output(t, "dag", "export", "--progress=false", want); !bytes.Equal(ours.Bytes(), theirs) {
			t.Errorf("our CAR (%d bytes) differs from ipfs dag export (%d bytes)", ours.Len(), len(theirs))
		}
	})
}

// TestKuboRoundTrip: our CAR imported into Kubo and pinned there, fetched
// back from Kubo's own gateway as a CAR, verifies and reassembles to the
// same bytes.
func TestKuboRoundTrip(t *testing.T) {
	ctx := context.Background()
	node := kubotest.Start(t, kubotest.Options{})
	src := evidenceDir(t)
	s := newStore(t)
	root := archive(t, s, src)
	k := &ipfs.Kubo{URL: node.APIURL}
	if err := k.Publish(ctx, s, root, ipfs.Limits{}); err != nil {
		t.Fatalf("publish (dag/import): %v", err)
	}
	if pinned, err := k.Pinned(ctx, root); err != nil || !pinned {
		t.Fatalf("pin/ls = %v, %v; want pinned", pinned, err)
	}
	g := &ipfs.Gateway{URL: node.GatewayURL}
	s2 := newStore(t)
	st, err := g.Fetch(ctx, root, s2)
	if err != nil {
		t.Fatalf("fetch from Kubo's gateway: %v", err)
	}
	if st.Files != 6 || st.Size != treeSize(t, src) {
		t.Errorf("stat %+v", st)
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, err := ipfs.Extract(ctx, s2, root, out, ipfs.Limits{}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, src, out)

	// A CID Kubo does not hold: its gateway, offline, cannot serve it.
	other := archive(t, newStore(t), writeFile(t, t.TempDir(), "x", 9, 10))
	ctx2, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := (&ipfs.Gateway{URL: node.GatewayURL, Timeout: 5 * time.Second}).Fetch(ctx2, other, newStore(t)); !errors.Is(err, ipfs.ErrCouldNotCheck) {
		t.Errorf("fetch of a CID the node lacks = %v, want ErrCouldNotCheck", err)
	}
	if pinned, err := k.Pinned(ctx, other); err != nil || pinned {
		t.Errorf("pin/ls(unknown CID) = %v, %v; want not pinned", pinned, err)
	}
}

// TestCIDEqualsKuboAbove174MiB: a file of 201 MiB + 7 B has 202 chunks,
// more than the 174 links Kubo's default layout puts in a node: under the
// profile the root links all 202 chunks directly (1024 links a node), and
// Kubo, under the same profile, agrees on the CID. The file is generated
// into the test's temporary folder and streamed, never held in memory.
func TestCIDEqualsKuboAbove174MiB(t *testing.T) {
	const size = 201<<20 + 7
	node := kubotest.Start(t, kubotest.Options{})
	p := writeFile(t, t.TempDir(), "big", 3, size)
	want := node.Add(t, p)
	s := newStore(t)
	got := archive(t, s, p)
	if got.String() != want {
		t.Fatalf("%d bytes: CID %s, Kubo says %s", size, got, want)
	}
	n, err := s.Get(context.Background(), got)
	if err != nil {
		t.Fatal(err)
	}
	if l := len(n.Links()); l != 202 {
		t.Errorf("the root has %d links, want 202 (one level of 1 MiB leaves)", l)
	}
}

// TestFolderShardingBoundary: Kubo under the profile shards a folder
// (HAMT) once its block would pass 256 KiB; this package writes the same
// plain folder below that and the same HAMT above it. 1,780 entries of
// 100-byte names make a block of about 258,000 bytes, 1,830 about
// 265,000. The expected CIDs and CARs are Kubo's.
func TestFolderShardingBoundary(t *testing.T) {
	node := kubotest.Start(t, kubotest.Options{})
	kuboType := func(c string) ufspb.Data_DataType {
		n, err := dag.DecodeProtobuf(node.Output(t, "block", "get", c))
		if err != nil {
			t.Fatal(err)
		}
		fsn, err := ft.FSNodeFromBytes(n.Data())
		if err != nil {
			t.Fatal(err)
		}
		return fsn.Type()
	}

	below := manyFiles(t, t.TempDir(), 1780)
	want := node.Add(t, below)
	if ty := kuboType(want); ty != ft.TDirectory {
		t.Fatalf("Kubo made a %v of 1,780 entries, want a plain folder", ty)
	}
	if got := archive(t, newStore(t), below); got.String() != want {
		t.Errorf("1,780 entries: CID %s, Kubo says %s", got, want)
	}

	above := manyFiles(t, t.TempDir(), 1830)
	want = node.Add(t, above)
	if ty := kuboType(want); ty != ft.THAMTShard {
		t.Fatalf("Kubo made a %v of 1,830 entries, want a HAMT shard", ty)
	}
	s := newStore(t)
	if got := archive(t, s, above); got.String() != want {
		t.Fatalf("1,830 entries: CID %s, Kubo says %s", got, want)
	}
	sameCARAsKubo(t, node, s, want)
}
