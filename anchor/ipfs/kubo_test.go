package ipfs_test

import (
	"testing"

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
		})
	}
	t.Run("folder", func(t *testing.T) {
		p := evidenceDir(t)
		want := node.Add(t, p)
		got := archive(t, newStore(t), p)
		if got.String() != want {
			t.Errorf("folder: CID %s, Kubo says %s", got, want)
		}
	})
}
