package ipfs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/ats-run/selfattest/anchor/ipfs"
)

type answerFunc func(*http.Request) (*http.Response, error)

func (f answerFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// FuzzPinningAnswer: whatever a pinning service answers (any status
// code, content type and body) to a listing, a new pin or a read of a
// request, the client never panics, refuses it as could-not-check (never
// rejected, never bad input) without repeating the token, or accepts it
// only when the body, read here independently, is a pin of the CID asked
// about with the status reported.
func FuzzPinningAnswer(f *testing.F) {
	c := testCID(1)
	cs := c.String()
	f.Add(uint8(0), uint16(200), true, []byte(`{"count":1,"results":[{"requestid":"r","status":"pinned","created":"2026-01-01T00:00:00Z","pin":{"cid":"`+cs+`"},"delegates":[]}]}`))
	f.Add(uint8(0), uint16(200), true, []byte(`{"count":2,"results":[{"requestid":"r","status":"failed","created":"2026-01-01T00:00:00Z","pin":{"cid":"`+cs+`"},"delegates":[]},{"requestid":"s","status":"queued","created":"2026-01-01T00:00:00Z","pin":{"cid":"`+cs+`","name":"n"},"delegates":["/ip4/1.2.3.4/tcp/1"],"info":{"status_details":"x"}}]}`))
	f.Add(uint8(0), uint16(200), true, []byte(`{"count":0,"results":null}`))
	f.Add(uint8(1), uint16(202), true, []byte(`{"requestid":"r","status":"queued","created":"2026-01-01T00:00:00Z","pin":{"cid":"`+cs+`"},"delegates":[]}`))
	f.Add(uint8(2), uint16(200), true, []byte(`{"requestid":"req-x","status":"pinning","created":"2026-01-01T00:00:00Z","pin":{"cid":"`+cs+`"},"delegates":[]}`))
	f.Add(uint8(2), uint16(404), true, []byte(`{"error":{"reason":"NOT_FOUND"}}`))
	f.Add(uint8(0), uint16(500), true, []byte(`{"error":{"reason":"INTERNAL","details":"`+psaToken+`"}}`))
	f.Add(uint8(2), uint16(200), true, []byte(`{"requestid":"`+psaToken+`","status":"pinned","created":"2026-01-01T00:00:00Z","pin":{"cid":"`+cs+`"},"delegates":[]}`))
	f.Add(uint8(1), uint16(202), true, []byte(`{"requestid":"r","status":"queued","created":"2026-01-01T00:00:00Z","pin":{"cid":"`+psaToken+`"},"delegates":[]}`))
	f.Add(uint8(0), uint16(401), false, []byte(`no`))
	f.Add(uint8(1), uint16(200), false, []byte(`<html>`))
	f.Fuzz(func(t *testing.T, op uint8, code uint16, isJSON bool, body []byte) {
		// A final answer, 200 to 599: the seeds' codes as they are, any
		// other code folded into that range (a 1xx is not a final answer).
		status := int(code)
		if status < 200 || status > 599 {
			status = status%400 + 200
		}
		p, err := ipfs.NewPinningService("http://127.0.0.1:1/psa", psaToken)
		if err != nil {
			t.Fatal(err)
		}
		p.Timeout = 5 * time.Second
		p.Client = &http.Client{Transport: answerFunc(func(r *http.Request) (*http.Response, error) {
			if r.Body != nil {
				io.Copy(io.Discard, r.Body)
				r.Body.Close()
			}
			h := http.Header{}
			if isJSON {
				h.Set("Content-Type", "application/json")
			} else {
				h.Set("Content-Type", "text/plain")
			}
			return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: -1, Request: r}, nil
		})}
		ctx := context.Background()
		var info ipfs.PinInfo
		switch op % 3 {
		case 0:
			info, err = p.Status(ctx, c)
		case 1:
			info, err = p.Add(ctx, c, "n", nil)
		case 2:
			info, err = p.Get(ctx, "req-x", c)
		}
		if err != nil {
			if !errors.Is(err, ipfs.ErrCouldNotCheck) || errors.Is(err, ipfs.ErrRejected) || errors.Is(err, ipfs.ErrBadInput) {
				t.Fatalf("refused as %v: not could-not-check alone", err)
			}
			if strings.Contains(err.Error(), psaToken) {
				t.Fatalf("the error repeats the token: %v", err)
			}
			return
		}
		if op%3 == 2 && status == http.StatusNotFound {
			if info.Status != ipfs.PinNone {
				t.Fatalf("a 404 read as %q", info.Status)
			}
			return
		}
		if status >= 300 || !isJSON {
			t.Fatalf("HTTP %d (JSON %v) accepted as %+v", status, isJSON, info)
		}
		type pinStatus struct {
			Requestid string
			Status    string
			Pin       struct{ Cid string }
		}
		isOurs := func(ps pinStatus) bool {
			got, err := cid.Parse(ps.Pin.Cid)
			return err == nil && got.Equals(c) && ps.Requestid != ""
		}
		if op%3 == 0 {
			var res struct{ Results []pinStatus }
			if err := json.Unmarshal(body, &res); err != nil {
				t.Fatalf("accepted a listing that is not JSON: %v", err)
			}
			found := info.Status == ipfs.PinNone
			for _, ps := range res.Results {
				if !isOurs(ps) {
					t.Fatalf("accepted a listing with a pin of %q", ps.Pin.Cid)
				}
				if ps.Status == string(info.Status) && ps.Requestid == info.RequestID {
					found = true
				}
			}
			if !found || (info.Status == ipfs.PinNone && len(res.Results) != 0) {
				t.Fatalf("status %q is not in the listing %s", info.Status, body)
			}
			return
		}
		var ps pinStatus
		if err := json.Unmarshal(body, &ps); err != nil {
			t.Fatalf("accepted a pin status that is not JSON: %v", err)
		}
		if !isOurs(ps) || ps.Status != string(info.Status) || ps.Requestid != info.RequestID || !info.CID.Equals(c) {
			t.Fatalf("accepted %s as %+v", body, info)
		}
		switch info.Status {
		case ipfs.PinQueued, ipfs.PinPinning, ipfs.PinPinned, ipfs.PinFailed:
		default:
			t.Fatalf("status %q", info.Status)
		}
	})
}
