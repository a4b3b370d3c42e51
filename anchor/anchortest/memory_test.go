package anchortest_test

import (
	"crypto/ed25519"
	"testing"

	"github.com/ats-run/selfattest/anchor/anchortest"
)

func TestMemoryConformance(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	m, err := anchortest.NewMemory(key, anchortest.MemoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	anchortest.Run(t, m)
}

func TestMemoryWithStateFileConformance(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	m, err := anchortest.NewMemory(key, anchortest.MemoryOptions{Name: "file", StateFile: t.TempDir() + "/ledger.json", FinalDepth: 6})
	if err != nil {
		t.Fatal(err)
	}
	anchortest.Run(t, m)
}
