package evidencetest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// EchoingRPC serves JSON-RPC on 127.0.0.1, over http and ws (a websocket
// upgrade on any path), answering every call with a JSON-RPC error whose
// message and data repeat what the request's URL and credentials hold:
// its path, its query and the basic credentials' user and password, as a
// provider refusing a key may ("project KEY over quota"). It returns the
// server's base URLs, http://127.0.0.1:PORT and ws://127.0.0.1:PORT.
func EchoingRPC(t testing.TB) (httpURL, wsURL string) {
	t.Helper()
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		echo := "path " + r.URL.Path + " query " + r.URL.RawQuery + " at " + r.URL.String()
		if u, p, ok := r.BasicAuth(); ok {
			echo += " user " + u + " password " + p
		}
		if websocket.IsWebSocketUpgrade(r) {
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			c.SetReadLimit(1 << 20)
			for {
				typ, msg, err := c.ReadMessage()
				if err != nil {
					return
				}
				if err := c.WriteMessage(typ, answer(msg, echo)); err != nil {
					return
				}
			}
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(answer(body, echo))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, "ws" + strings.TrimPrefix(srv.URL, "http")
}

// answer is the JSON-RPC error answer to req (a call or a batch), its
// message and data saying echo.
func answer(req []byte, echo string) []byte {
	type call struct {
		ID json.RawMessage `json:"id"`
	}
	one := func(c call) map[string]any {
		id := c.ID
		if len(id) == 0 {
			id = json.RawMessage("null")
		}
		return map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{
			"code": -32000, "message": "refused: " + echo, "data": echo,
		}}
	}
	var out any
	var batch []call
	if err := json.Unmarshal(req, &batch); err == nil {
		list := make([]map[string]any, len(batch))
		for i, c := range batch {
			list[i] = one(c)
		}
		out = list
	} else {
		var c call
		json.Unmarshal(req, &c)
		out = one(c)
	}
	b, _ := json.Marshal(out)
	return b
}
