//go:build unix

package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/examples/internal/evidence"
	"github.com/ats-run/selfattest/internal/rekorv2"
	vtlog "github.com/ats-run/selfattest/verify/tlog"
)

// TestRekorCLI anchors at a real Rekor v2 server on 127.0.0.1 (rekor-tiles'
// POSIX server, built on first use into the cache) beside the local log,
// through the binary, and verifies both tlog anchors with their logs'
// keys, offline and online.
func TestRekorCLI(t *testing.T) {
	srv := rekorv2.Start(t, rekorv2.Options{})
	dir := t.TempDir()
	lk, err := vtlog.NewLogKey(srv.Origin, srv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	logKey := write(t, dir, "rekor.pub", []byte(vtlog.FormatLogKey(lk)+"\n"))
	ev := write(t, dir, "report.pdf", []byte("%PDF-1.7 a report"))
	other := write(t, dir, "notes.txt", []byte("notes"))
	expectCode(t, archivist(t, dir, "add", "report.pdf", "notes.txt"), 0)
	rekorArgs := []string{"--rekor-url", srv.URL, "--rekor-tiles-url", srv.TilesURL, "--rekor-log-key", logKey}

	r := archivist(t, dir, append([]string{"anchor", "--to", "rekor,tlog"}, rekorArgs...)...)
	expectCode(t, r, 0)
	if !strings.Contains(r.stderr, "created the archivist's Ed25519 key for Rekor archivist.journal.rekor.key (mode 600)") || !strings.Contains(r.stdout, srv.Origin+": pending") {
		t.Fatalf("anchor:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	if st, err := os.Stat(filepath.Join(dir, "archivist.journal.rekor.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the archivist's key: %v, %v", st, err)
	}
	r = archivist(t, dir, append([]string{"upgrade", "--to", "rekor,tlog"}, rekorArgs...)...)
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, srv.Origin+": final at depth") {
		t.Fatalf("upgrade:\n%s", r.stdout)
	}
	receipt := filepath.Join(dir, "receipts", "00000001-report.pdf.receipt.json")
	localPub := filepath.Join(dir, "archivist.journal.tlog.pub")

	r = archivist(t, dir, "verify", "--tlog-key", logKey, "--tlog-key", localPub, receipt, ev)
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "at "+srv.Origin+" (tlog): verified, checked offline") || !strings.Contains(r.stdout, "at archivist.local (tlog): verified, checked offline") {
		t.Errorf("verify:\n%s", r.stdout)
	}
	r = archivist(t, dir, "verify", "--json", "--tlog-key", logKey, "--tlog-key", localPub, "--tlog-url", srv.TilesURL, "--tlog-dir", filepath.Join(dir, "archivist.journal.tlog"), receipt, ev)
	expectCode(t, r, 0)
	v := verifyJSONOf(t, r)
	if len(v.Anchors) != 2 || v.Anchors[0].Checked != "online" || v.Anchors[1].Checked != "online" {
		t.Fatalf("verify online: %s", r.stdout)
	}
	expectCode(t, archivist(t, dir, "verify", "--tlog-key", logKey, "--tlog-key", localPub, receipt, other), 1)
	// The Rekor log's key alone: the local log's anchor is not checked.
	r = archivist(t, dir, "verify", "--json", "--tlog-key", logKey, receipt, ev)
	expectCode(t, r, 3)
	if v := verifyJSONOf(t, r); byTarget(v, srv.Origin).Outcome != "verified" || byTarget(v, "archivist.local").Outcome != "could not check" {
		t.Fatalf("verify with the Rekor key only: %s", r.stdout)
	}

	// The signature in the Rekor entry altered: rejected, the local
	// log's anchor still verified.
	var m map[string]json.RawMessage
	var anchors []map[string]json.RawMessage
	if err := json.Unmarshal(mustRead(t, receipt), &m); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(m["anchors"], &anchors); err != nil || len(anchors) != 2 {
		t.Fatalf("anchors: %v %s", err, m["anchors"])
	}
	k := 0
	if string(anchors[k]["target"]) != `"`+srv.Origin+`"` {
		k = 1
	}
	var sig string
	json.Unmarshal(anchors[k]["signature"], &sig)
	b, _ := base64.StdEncoding.DecodeString(sig)
	if len(b) != 64 {
		t.Fatalf("the Rekor entry's signature: %q", sig)
	}
	b[10] ^= 1
	anchors[k]["signature"], _ = json.Marshal(base64.StdEncoding.EncodeToString(b))
	m["anchors"], _ = json.Marshal(anchors)
	tampered, _ := json.Marshal(m)
	r = archivist(t, dir, "verify", "--json", "--tlog-key", logKey, "--tlog-key", localPub, write(t, dir, "tampered.json", tampered), ev)
	expectCode(t, r, 1)
	if v := verifyJSONOf(t, r); byTarget(v, srv.Origin).Outcome != "rejected" || byTarget(v, "archivist.local").Outcome != "verified" {
		t.Fatalf("a tampered Rekor entry: %s", r.stdout)
	}

	// Refused: no log key, a key file readable by others, a log URL
	// that is not https nor loopback.
	expectCode(t, archivist(t, dir, "anchor", "--to", "rekor", "--rekor-url", srv.URL), 2)
	open := write(t, dir, "open.key", mustRead(t, filepath.Join(dir, "archivist.journal.rekor.key")))
	expectCode(t, archivist(t, dir, append([]string{"anchor", "--to", "rekor", "--rekor-key", open}, rekorArgs...)...), 2)
	expectCode(t, archivist(t, dir, "anchor", "--to", "rekor", "--rekor-url", "http://rekor.example.com", "--rekor-log-key", logKey), 2)
}

// byTarget is the report of the anchor at target (a zero report if none).
func byTarget(v verifyReport, target string) evidence.AnchorReport {
	for _, a := range v.Anchors {
		if a.Target == target {
			return a
		}
	}
	return evidence.AnchorReport{}
}
