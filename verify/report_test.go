package verify_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/verify"
	"github.com/ats-run/selfattest/verify/report"
)

func compareFiles(t *testing.T, a, b []byte) (string, string, *verify.Comparison, error) {
	t.Helper()
	dir := t.TempDir()
	la, lb := filepath.Join(dir, "local.mjs"), filepath.Join(dir, "live.mjs")
	os.WriteFile(la, a, 0o644)
	os.WriteFile(lb, b, 0o644)
	c, err := verify.Compare(context.Background(), la, lb, verify.CompareOptions{})
	return la, lb, c, err
}

// roundTrip checks that the report is valid by the schema: it marshals,
// parses back, and renders.
func roundTrip(t *testing.T, r *report.Report) *report.Report {
	t.Helper()
	var j, md, txt bytes.Buffer
	if err := r.WriteJSON(&j); err != nil {
		t.Fatal(err)
	}
	back, err := report.Parse(j.Bytes())
	if err != nil {
		t.Fatalf("report.Parse(WriteJSON): %v\n%s", err, j.Bytes())
	}
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteText(&txt, report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	return back
}

func TestCompareReport(t *testing.T) {
	body := []byte("export const kms = 1;\n")
	flipped := bytes.Clone(body)
	flipped[0] ^= 1

	t.Run("match", func(t *testing.T) {
		l, r, c, err := compareFiles(t, body, body)
		rep := roundTrip(t, verify.CompareReport("T", report.Details{}, l, r, c, err))
		if rep.Status != report.StatusPass || len(rep.Checks) != 4 {
			t.Fatalf("status %s, %d checks", rep.Status, len(rep.Checks))
		}
		if rep.Subject == nil || rep.Subject.Name != "live.mjs" || rep.Subject.Size != int64(len(body)) {
			t.Fatalf("subject %+v", rep.Subject)
		}
	})
	t.Run("mismatch", func(t *testing.T) {
		l, r, c, err := compareFiles(t, body, flipped)
		rep := roundTrip(t, verify.CompareReport("T", report.Details{}, l, r, c, err))
		if rep.Status != report.StatusFail {
			t.Fatalf("status %s, want fail", rep.Status)
		}
		var failed []string
		for _, ch := range rep.Checks {
			if ch.Verdict == report.VerdictFail {
				failed = append(failed, ch.Name)
			}
		}
		if strings.Join(failed, ",") != "SHA-256,SRI,SHA-512" {
			t.Fatalf("failed checks %v", failed)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		l, r, c, err := compareFiles(t, nil, nil)
		if !errors.Is(err, verify.ErrBadInput) {
			t.Fatalf("err = %v", err)
		}
		rep := roundTrip(t, verify.CompareReport("T", report.Details{}, l, r, c, err))
		if rep.Status != report.StatusError || len(rep.Checks) != 0 || rep.Reason == "" {
			t.Fatalf("report %+v", rep)
		}
	})
}

func TestPageReport(t *testing.T) {
	kms := []byte("export const kms = 1;\n")
	pages := map[string]string{
		"/ok.html":     `<script src="/kms.mjs" integrity="` + sri(kms) + `"></script><link rel=stylesheet href=/a.css>`,
		"/bad.html":    `<script src="/kms.mjs" integrity="sha384-` + strings.Repeat("A", 64) + `"></script>`,
		"/broken.html": `<script src="/gone.mjs" integrity="sha1-x"></script>`,
		"/empty.html":  `<p>no scripts</p>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/kms.mjs":
			w.Write(kms)
		case p == "/a.css":
			w.Write([]byte("p{}"))
		case pages[p] != "":
			w.Write([]byte(pages[p]))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	tests := []struct {
		page     string
		status   report.Status
		verdicts []report.Verdict
	}{
		{"/ok.html", report.StatusPass, []report.Verdict{report.VerdictPass, report.VerdictInfo}},
		{"/bad.html", report.StatusFail, []report.Verdict{report.VerdictFail}},
		{"/broken.html", report.StatusError, []report.Verdict{report.VerdictError}},
		{"/empty.html", report.StatusError, []report.Verdict{report.VerdictInfo}}, // nothing was checked: never a pass
		{"/missing.html", report.StatusError, nil},
	}
	for _, tt := range tests {
		t.Run(tt.page, func(t *testing.T) {
			res, err := verify.CheckPage(context.Background(), srv.URL+tt.page, verify.PageOptions{})
			rep := roundTrip(t, verify.PageReport("T", report.Details{}, srv.URL+tt.page, res, err))
			if rep.Status != tt.status {
				t.Fatalf("status %s, want %s (%s)", rep.Status, tt.status, rep.Reason)
			}
			var got []report.Verdict
			for _, c := range rep.Checks {
				got = append(got, c.Verdict)
			}
			if len(got) != len(tt.verdicts) {
				t.Fatalf("verdicts %v, want %v", got, tt.verdicts)
			}
			for i := range got {
				if got[i] != tt.verdicts[i] {
					t.Fatalf("verdicts %v, want %v", got, tt.verdicts)
				}
			}
		})
	}
}

// sri computes a sha384 integrity value with the standard library alone.
func sri(b []byte) string {
	s := sha512.Sum384(b)
	return "sha384-" + base64.StdEncoding.EncodeToString(s[:])
}
