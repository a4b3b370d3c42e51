//go:build unix

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/ipfs"
	"github.com/ats-run/selfattest/anchor/ipfs/kubotest"
	"github.com/ats-run/selfattest/examples/internal/evidence"
	"github.com/ats-run/selfattest/examples/internal/evidence/evidencetest"
	"github.com/ats-run/selfattest/internal/clitest"
)

// TestFlowArchiveTlogEthIpfs: add --archive records two files and their
// archive's CAR; one anchor seals the three into one batch and anchors its
// root at a local log, a chain (the simulated backend on 127.0.0.1) and a
// Kubo node; upgrade confirms all three; every receipt verifies offline
// with every anchor checked (the network cut off), and online; the
// archive, published to Kubo, fetches back as the files.
func TestFlowArchiveTlogEthIpfs(t *testing.T) {
	node := kubotest.Start(t, kubotest.Options{})
	dir := t.TempDir()
	chain := evidencetest.NewHTTPChain(t, dir)
	a := write(t, dir, "build.log", []byte("ok\tgithub.com/example/app\t0.4s\n"))
	b := write(t, dir, "sbom/sbom.json", []byte(`{"packages":[]}`))

	r := archivist(t, dir, "add", "--archive", "--kubo-api", node.APIURL, "--json", "build.log", "sbom/sbom.json")
	expectCode(t, r, 0)
	var added struct {
		Items   []evidence.AddedItem
		Archive *evidence.ArchiveStat
	}
	decodeJSON(t, r.stdout, &added)
	if len(added.Items) != 3 || added.Archive == nil || added.Items[2].Name != added.Archive.CID+".car" || added.Items[2].MediaType != "application/vnd.ipld.car" || added.Archive.Published != node.APIURL {
		t.Fatalf("add --archive: %s", r.stdout)
	}
	root := added.Archive.CID
	// The archive is the files under their names: Kubo's ipfs add of the
	// same layout gives the same CID.
	layout := t.TempDir()
	write(t, layout, "build.log", []byte("ok\tgithub.com/example/app\t0.4s\n"))
	write(t, layout, "sbom/sbom.json", []byte(`{"packages":[]}`))
	if want := node.Add(t, layout); root != want {
		t.Fatalf("add --archive's CID %s, Kubo's ipfs add of the same folder %s", root, want)
	}

	ethArgs := []string{"--eth-rpc", chain.URL, "--chain-id", "1337", "--sink", testSink}
	ipfsArgs := []string{"--kubo-api", node.APIURL, "--ipfs-gateway", node.GatewayURL}
	args := append(append([]string{"anchor", "--to", "tlog,eth,ipfs", "--eth-key-file", chain.KeyFile}, ethArgs...), ipfsArgs...)
	r = archivist(t, dir, args...)
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "sealed batch 1") || !strings.Contains(r.stdout, "batch 1: 3 item(s)") || !strings.Contains(r.stdout, "ipfs: pending") {
		t.Fatalf("anchor:\n%s", r.stdout)
	}
	for range 3 {
		chain.Commit(t)
	}
	// upgrade needs the gateway to check the ipfs anchor.
	expectCode(t, archivist(t, dir, "upgrade", "--to", "ipfs", "--kubo-api", node.APIURL), 2)
	args = append(append([]string{"upgrade", "--to", "tlog,eth,ipfs", "--final-depth", "3"}, ethArgs...), ipfsArgs...)
	r = archivist(t, dir, args...)
	expectCode(t, r, 0)
	for _, want := range []string{"archivist.local: final", "eth:1337:5e1f000000000000000000000000000000a77e57: final at depth 3", "ipfs: final at depth 1", "3 receipt(s) written"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("upgrade lacks %q:\n%s", want, r.stdout)
		}
	}

	pub := filepath.Join(dir, "archivist.journal.tlog.pub")
	trust := []string{"verify", "--json", "--tlog-key", pub, "--chain-id", "1337", "--sink", testSink, "--ipfs"}
	carFile := filepath.Join(dir, "archivist.journal.archives", root+".car")
	receipts := filepath.Join(dir, "receipts")
	for _, tc := range []struct{ receipt, evidence string }{
		{"00000001-build.log.receipt.json", a},
		{"00000002-sbom.json.receipt.json", b},
		{"00000003-" + root + ".car.receipt.json", carFile},
	} {
		// Offline, the network cut off: every anchor verified.
		r = archivistOffline(t, dir, append(trust, filepath.Join(receipts, tc.receipt), tc.evidence)...)
		expectCode(t, r, 0)
		v := verifyJSONOf(t, r)
		if v.Outcome != "verified" || len(v.Anchors) != 3 {
			t.Fatalf("verify %s offline: %s", tc.receipt, r.stdout)
		}
		kinds := map[string]bool{}
		for _, an := range v.Anchors {
			if an.Outcome != "verified" || an.Checked != "offline" {
				t.Errorf("verify %s: anchor %+v", tc.receipt, an)
			}
			kinds[an.Kind] = true
		}
		if !kinds["tlog"] || !kinds["eth"] || !kinds["ipfs"] {
			t.Errorf("verify %s: kinds %v", tc.receipt, kinds)
		}
	}
	receipt := filepath.Join(receipts, "00000001-build.log.receipt.json")
	// Without --ipfs the ipfs anchor is not checked: could not check, the
	// others still verified.
	r = archivist(t, dir, "verify", "--json", "--tlog-key", pub, "--chain-id", "1337", "--sink", testSink, receipt, a)
	expectCode(t, r, 3)
	if v := verifyJSONOf(t, r); len(v.Anchors) != 3 || v.Anchors[2].Kind != "ipfs" || v.Anchors[2].Outcome != "could not check" || v.Anchors[0].Outcome != "verified" {
		t.Errorf("verify without --ipfs: %s", r.stdout)
	}
	// Online: the record retrieved from Kubo's gateway and pinned there.
	online := []string{"verify", "--json", "--tlog-key", pub, "--chain-id", "1337", "--sink", testSink, "--ipfs-gateway", node.GatewayURL}
	r = archivist(t, dir, append(online, receipt, a)...)
	expectCode(t, r, 0)
	if v := verifyJSONOf(t, r); v.Anchors[2].Checked != "online" || v.Anchors[2].State != "final" {
		t.Errorf("verify --ipfs-gateway: %s", r.stdout)
	}
	r = archivist(t, dir, append(online, "--kubo-api", node.APIURL, receipt, a)...)
	expectCode(t, r, 0)
	// The gateway down: could not check.
	expectCode(t, archivist(t, dir, "verify", "--tlog-key", pub, "--chain-id", "1337", "--sink", testSink, "--ipfs-gateway", clitest.DeadURL(t), receipt, a), 3)
	// Another file: rejected.
	expectCode(t, archivist(t, dir, append(trust, receipt, carFile)...), 1)

	// The archive, published to Kubo by add, fetches back from its
	// gateway as the files under their names.
	expectCode(t, archivist(t, dir, "fetch", root, "--gateway", node.GatewayURL, filepath.Join(dir, "fetched")), 0)
	sameFiles(t, layout, filepath.Join(dir, "fetched"))

	// The node drops the record: online with the node asked, the ipfs
	// anchor is failed, a rejection; offline it still names the root's
	// record.
	node.Run(t, "pin", "rm", anchorRecordCID(t, receipt))
	r = archivist(t, dir, append(online, "--kubo-api", node.APIURL, receipt, a)...)
	expectCode(t, r, 1)
	if v := verifyJSONOf(t, r); v.Anchors[2].Outcome != "rejected" || v.Anchors[0].Outcome != "verified" || v.Anchors[1].Outcome != "verified" {
		t.Errorf("verify after unpin: %s", r.stdout)
	}
	expectCode(t, archivist(t, dir, append(trust, receipt, a)...), 0)

	// A receipt whose ipfs entry names another record: rejected offline,
	// that anchor alone.
	rec := anchorRecordCID(t, receipt)
	forged := write(t, dir, "forged.receipt.json", []byte(strings.Replace(string(mustRead(t, receipt)), rec, root, 1)))
	r = archivist(t, dir, append(trust, forged, a)...)
	expectCode(t, r, 1)
	if v := verifyJSONOf(t, r); len(v.Anchors) != 3 || v.Anchors[2].Outcome != "rejected" || v.Anchors[0].Outcome != "verified" {
		t.Errorf("verify of a forged ipfs entry: %s", r.stdout)
	}
}

func decodeJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
}

// anchorRecordCID is the record CID the receipt's ipfs entry names.
func anchorRecordCID(t *testing.T, receipt string) string {
	t.Helper()
	r, err := anchor.ParseReceipt(mustRead(t, receipt))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range r.Anchors {
		if e.Kind == ipfs.Kind {
			var ie ipfs.Entry
			if err := e.Decode(&ie); err != nil {
				t.Fatal(err)
			}
			return ie.CID
		}
	}
	t.Fatalf("no ipfs entry in %s", receipt)
	return ""
}

// TestAnchorArchivesTheEvidence: files recorded by a plain add are
// archived when anchor --to names ipfs: one IPFS folder of the files
// under their names (Kubo's ipfs add of the same layout gives its CID),
// published to the node, its CAR recorded as the next item and sealed with
// the files, so that the one root anchored at every target covers both;
// every receipt verifies, the CAR's against the CAR file; the archive
// fetches back as the files. A file changed since add stops the anchor
// (bad input, nothing sealed) until it is put back, or --no-archive.
func TestAnchorArchivesTheEvidence(t *testing.T) {
	node := kubotest.Start(t, kubotest.Options{})
	dir := t.TempDir()
	a := write(t, dir, "build.log", []byte("ok\tgithub.com/example/app\t0.4s\n"))
	b := write(t, dir, "sbom/sbom.json", []byte(`{"packages":[]}`))
	expectCode(t, archivist(t, dir, "add", "build.log", "sbom/sbom.json"), 0)

	ipfsArgs := []string{"--kubo-api", node.APIURL, "--ipfs-gateway", node.GatewayURL}
	r := archivist(t, dir, append([]string{"anchor", "--to", "memory,ipfs", "--json"}, ipfsArgs...)...)
	expectCode(t, r, 0)
	var anchored struct {
		Archive *evidence.ArchiveStat
		Sealed  uint64
		Batches []evidence.BatchJSON
	}
	decodeJSON(t, r.stdout, &anchored)
	layout := t.TempDir()
	write(t, layout, "build.log", []byte("ok\tgithub.com/example/app\t0.4s\n"))
	write(t, layout, "sbom/sbom.json", []byte(`{"packages":[]}`))
	root := node.Add(t, layout)
	if anchored.Archive == nil || anchored.Archive.CID != root || anchored.Archive.Files != 2 || anchored.Archive.Published != node.APIURL || anchored.Sealed != 1 || len(anchored.Batches) != 1 || anchored.Batches[0].Size != 3 {
		t.Fatalf("anchor --to memory,ipfs (want the archive %s sealed as the third item):\n%s", root, r.stdout)
	}
	if out := node.Run(t, "pin", "ls", "--type=recursive", root); !strings.Contains(out, root) {
		t.Errorf("the archive is not pinned on the node: %q", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "archivist.journal.files")); !os.IsNotExist(err) {
		t.Errorf("the list of files to archive is kept after they were sealed: %v", err)
	}

	r = archivist(t, dir, append([]string{"upgrade", "--to", "memory,ipfs"}, ipfsArgs...)...)
	expectCode(t, r, 0)
	receipts := filepath.Join(dir, "receipts")
	carFile := filepath.Join(dir, "archivist.journal.archives", root+".car")
	trust := []string{"verify", "--json", "--memory-key", filepath.Join(dir, "archivist.journal.memory.pub"), "--ipfs"}
	for _, tc := range []struct{ receipt, evidence string }{
		{"00000001-build.log.receipt.json", a},
		{"00000002-sbom.json.receipt.json", b},
		{"00000003-" + root + ".car.receipt.json", carFile},
	} {
		r = archivist(t, dir, append(trust, filepath.Join(receipts, tc.receipt), tc.evidence)...)
		expectCode(t, r, 0)
		if v := verifyJSONOf(t, r); v.Outcome != "verified" || len(v.Anchors) != 2 {
			t.Errorf("verify %s: %s", tc.receipt, r.stdout)
		}
	}
	// The CAR's receipt is not the files'.
	expectCode(t, archivist(t, dir, append(trust, filepath.Join(receipts, "00000003-"+root+".car.receipt.json"), a)...), 1)
	expectCode(t, archivist(t, dir, "fetch", root, "--gateway", node.GatewayURL, filepath.Join(dir, "fetched")), 0)
	sameFiles(t, layout, filepath.Join(dir, "fetched"))

	// Nothing new: nothing archived, nothing sealed.
	r = archivist(t, dir, append([]string{"anchor", "--to", "memory,ipfs"}, ipfsArgs...)...)
	expectCode(t, r, 0)
	if strings.Contains(r.stdout, "archive ") || !strings.Contains(r.stdout, "no new items to seal") {
		t.Errorf("anchor with nothing new:\n%s", r.stdout)
	}

	// A file changed after add: refused, nothing sealed; put back, it
	// anchors with its archive.
	c := write(t, dir, "report.json", []byte(`{"verdict":"PASS"}`))
	expectCode(t, archivist(t, dir, "add", "report.json"), 0)
	write(t, dir, "report.json", []byte(`{"verdict":"FAIL"}`))
	r = archivist(t, dir, append([]string{"anchor", "--to", "memory,ipfs"}, ipfsArgs...)...)
	expectCode(t, r, 2)
	if !strings.Contains(r.stderr, "changed since add") || !strings.Contains(r.stderr, c) || strings.Contains(r.stdout, "sealed batch") {
		t.Errorf("anchor of a changed file:\n%s\n%s", r.stdout, r.stderr)
	}
	write(t, dir, "report.json", []byte(`{"verdict":"PASS"}`))
	r = archivist(t, dir, append([]string{"anchor", "--to", "memory,ipfs"}, ipfsArgs...)...)
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "sealed batch 4") || !strings.Contains(r.stdout, "batch 4: 2 item(s)") {
		t.Errorf("anchor after the file was put back:\n%s", r.stdout)
	}

	// --no-archive: the file anchored alone; without ipfs among the
	// targets nothing is archived either.
	expectCode(t, archivist(t, dir, "add", write(t, dir, "late.txt", []byte("late\n"))), 0)
	os.Remove(filepath.Join(dir, "late.txt"))
	r = archivist(t, dir, append([]string{"anchor", "--to", "memory,ipfs", "--no-archive"}, ipfsArgs...)...)
	expectCode(t, r, 0)
	if strings.Contains(r.stdout, "archive ") || !strings.Contains(r.stdout, "batch 6: 1 item(s)") {
		t.Errorf("anchor --no-archive:\n%s", r.stdout)
	}
	expectCode(t, archivist(t, dir, "add", write(t, dir, "later.txt", []byte("later\n"))), 0)
	r = archivist(t, dir, "anchor", "--to", "memory")
	expectCode(t, r, 0)
	if strings.Contains(r.stdout, "archive ") || !strings.Contains(r.stdout, "batch 7: 1 item(s)") {
		t.Errorf("anchor --to memory:\n%s", r.stdout)
	}
}
