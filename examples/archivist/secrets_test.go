//go:build unix

package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/examples/internal/evidence/evidencetest"
	"github.com/ats-run/selfattest/internal/clitest"
)

// noSecret fails the test if r's output holds a secret, and returns r.
func noSecret(t *testing.T, r result) result {
	t.Helper()
	clitest.WantNoURLKey(t, "stdout", r.stdout)
	clitest.WantNoURLKey(t, "stderr", r.stderr)
	return r
}

// rpcProxy is an endpoint at a secret URL in front of the chain at
// chainURL: it answers only a request carrying every secret (401 with the
// secrets echoed otherwise), and with lie it alters the block it returns
// for a number (not "latest"), so it names another hash than the chain.
func rpcProxy(t *testing.T, chainURL string, lie bool) string {
	t.Helper()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(clitest.URLUser+":"+clitest.URLPassword))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v3/"+clitest.URLPathKey || r.URL.Query().Get("apikey") != clitest.URLQueryKey || r.Header.Get("Authorization") != auth {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, "unknown key at "+r.URL.String())
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := http.Post(chainURL, "application/json", bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		out, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		var req struct {
			Method string            `json:"method"`
			Params []json.RawMessage `json:"params"`
		}
		if lie && json.Unmarshal(body, &req) == nil && req.Method == "eth_getBlockByNumber" && len(req.Params) > 0 && string(req.Params[0]) != `"latest"` {
			out = regexp.MustCompile(`"extraData":"0x[0-9a-f]*"`).ReplaceAll(out, []byte(`"extraData":"0x6c6965"`))
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return clitest.KeyedURL(t, srv.URL)
}

// TestEthRPCSecrets runs the eth commands through the binary against
// endpoints whose URLs hold keys — working, down, answering an error,
// disagreeing, not a URL at all — and checks that no output names a key
// while the exit codes stay what they were.
func TestEthRPCSecrets(t *testing.T) {
	dir := t.TempDir()
	hc := evidencetest.NewHTTPChain(t, dir)
	honest := rpcProxy(t, hc.URL, false)
	liar := rpcProxy(t, hc.URL, true)
	dead := clitest.KeyedURL(t, clitest.DeadURL(t))
	refusing := clitest.KeyedURL(t, strings.TrimSuffix(honest[:strings.Index(honest, "/v3/")], "/"))
	refusing = strings.Replace(refusing, clitest.URLPassword, "wrong-password", 1) // the proxy answers 401, echoing the URL
	ev := write(t, dir, "report.pdf", []byte("%PDF-1.7 a report"))
	expectCode(t, archivist(t, dir, "add", "report.pdf"), 0)
	ethArgs := []string{"--chain-id", "1337", "--sink", testSink}

	// Through a URL with its secrets, anchor and upgrade work: the
	// secrets reach the endpoint.
	r := noSecret(t, archivist(t, dir, append([]string{"anchor", "--to", "eth", "--eth-key-file", hc.KeyFile, "--eth-rpc", honest}, ethArgs...)...))
	expectCode(t, r, 0)
	for range 3 {
		hc.Chain.Commit()
	}
	expectCode(t, noSecret(t, archivist(t, dir, append([]string{"upgrade", "--to", "eth", "--final-depth", "3", "--eth-rpc", honest}, ethArgs...)...)), 0)
	// Endpoint down, answering 401, or not a URL: same codes as before.
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"upgrade, endpoint down", []string{"upgrade", "--to", "eth", "--eth-rpc", dead}, 3},
		{"upgrade, endpoint answers 401", []string{"upgrade", "--to", "eth", "--eth-rpc", refusing}, 3},
		{"anchor, endpoint down", []string{"anchor", "--to", "eth", "--eth-key-file", hc.KeyFile, "--eth-rpc", dead}, 3},
		{"anchor, not a URL", []string{"anchor", "--to", "eth", "--eth-key-file", hc.KeyFile, "--eth-rpc", "ftp://node.example/v3/" + clitest.URLPathKey}, 2},
		{"anchor, no host (a slash missing)", []string{"anchor", "--to", "eth", "--eth-key-file", hc.KeyFile, "--eth-rpc", "https:/node.example/v3/" + clitest.URLPathKey + "?apikey=" + clitest.URLQueryKey}, 2},
		{"anchor, a control character", []string{"anchor", "--to", "eth", "--eth-key-file", hc.KeyFile, "--eth-rpc", dead + "\x7f"}, 2},
		{"deploy-contract, endpoint down", []string{"deploy-contract", "--eth-key-file", hc.KeyFile, "--eth-rpc", dead}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append(c.args, "--chain-id", "1337")
			if c.args[0] != "deploy-contract" {
				args = append(args, "--sink", testSink)
			}
			r := noSecret(t, archivist(t, dir, args...))
			expectCode(t, r, c.code)
			t.Log(r.stderr)
		})
	}

	receipt := filepath.Join(dir, "receipts", "00000001-report.pdf.receipt.json")
	verify := func(json bool, rpcs ...string) result {
		args := append([]string{"verify", "--min-depth", "3"}, ethArgs...)
		for _, u := range rpcs {
			args = append(args, "--eth-rpc", u)
		}
		if json {
			args = append(args, "--json")
		}
		return noSecret(t, archivist(t, dir, append(args, receipt, ev)...))
	}
	for _, asJSON := range []bool{false, true} {
		expectCode(t, verify(asJSON, honest), 0)
		expectCode(t, verify(asJSON, honest, dead), 3)
		expectCode(t, verify(asJSON, honest, refusing), 3)
		expectCode(t, verify(asJSON, "ftp://node.example/v3/"+clitest.URLPathKey), 2)
		expectCode(t, verify(asJSON, honest, "https:/node.example/v3/"+clitest.URLPathKey), 2)
		// k of n: the two answers are named by position and host, and told
		// apart.
		r := verify(asJSON, honest, liar)
		expectCode(t, r, 3)
		out := r.stdout + r.stderr
		host := func(u string) string { p, _ := url.Parse(u); return p.Host }
		for i, u := range []string{honest, liar} {
			name := "--eth-rpc #" + string(rune('1'+i)) + " (http://" + host(u) + "/…): block "
			if asJSON {
				b, _ := json.Marshal(name)
				name = strings.Trim(string(b), `"`)
			}
			if !strings.Contains(out, name) {
				t.Errorf("json %v: %q not in the output:\n%s", asJSON, name, out)
			}
		}
	}
	r = verify(false, dead, liar)
	expectCode(t, r, 3)
	t.Log(r.stdout, r.stderr)
}
