//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ats-run/selfattest/examples/internal/evidence/evidencetest"
)

// gasShortNode serves the JSON-RPC of a mining chain, on 127.0.0.1,
// answering eth_estimateGas with 3/4 of the chain's estimate: above a
// deployment's intrinsic gas, so the transaction is mined, and below what
// it runs on, so it runs out of gas and reverts (receipt status 0).
// It returns the node's URL and the chain's key file (in dir).
func gasShortNode(t *testing.T, dir string) (url, keyFile string) {
	t.Helper()
	c := evidencetest.NewHTTPChain(t, dir)
	c.StartMining(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var call struct{ Method string }
		json.Unmarshal(body, &call) // a batch is passed on as it is
		resp, err := http.Post(c.URL, "application/json", bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if call.Method == "eth_estimateGas" {
			var m map[string]any
			if json.Unmarshal(answer, &m) == nil {
				if s, ok := m["result"].(string); ok {
					if gas, ok := new(big.Int).SetString(s, 0); ok {
						gas.Mul(gas, big.NewInt(3)).Div(gas, big.NewInt(4))
						m["result"] = "0x" + gas.Text(16)
						answer, _ = json.Marshal(m)
					}
				}
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(answer)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, c.KeyFile
}
