package verify_test

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/ats-run/selfattest/verify"
)

func ExampleCompare() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	local := filepath.Join(dir, "local.mjs")
	live := filepath.Join(dir, "live.mjs")
	os.WriteFile(local, []byte("hello\n"), 0o644)
	os.WriteFile(live, []byte("hello\n"), 0o644)

	c, err := verify.Compare(context.Background(), local, live, verify.CompareOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range c.Rows[:2] {
		fmt.Printf("%s %s %v\n", r.Name, r.Live, r.Match)
	}

	os.WriteFile(live, []byte("hellO\n"), 0o644)
	_, err = verify.Compare(context.Background(), local, live, verify.CompareOptions{})
	var m *verify.MismatchError
	fmt.Println(errors.Is(err, verify.ErrVerification), errors.As(err, &m))
	// Output:
	// SHA-256 5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03 true
	// SRI sha384-HQ8oTv4+3qS5yjvVFPoTSxfq42HMx6Hu/v+AG5vWYE4B8h9r8knvAwWZ8MIY8rqM true
	// true true
}

// ExampleCheckPage checks a page served on the loopback interface (plain
// http is allowed to loopback hosts only): a script pinned by its
// integrity attribute, then a copy of the page whose script has changed.
func ExampleCheckPage() {
	script := []byte("console.log('hello')\n")
	sum := sha512.Sum384(script)
	page := `<!doctype html><meta charset="utf-8"><script src="app.js" integrity="sha384-` +
		base64.StdEncoding.EncodeToString(sum[:]) + `"></script>`
	files := map[string]string{
		"/":               page,
		"/app.js":         string(script),
		"/changed/":       page,
		"/changed/app.js": "console.log('hellO')\n",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path[len(r.URL.Path)-1] == '/' {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		fmt.Fprint(w, b)
	}))
	defer srv.Close()

	res, err := verify.CheckPage(context.Background(), srv.URL+"/", verify.PageOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range res.Subresources {
		fmt.Println(s.Element, s.Ref, s.Verdict, s.Outcome)
	}

	_, err = verify.CheckPage(context.Background(), srv.URL+"/changed/", verify.PageOptions{})
	var pe *verify.PageError
	if errors.As(err, &pe) {
		for _, s := range pe.Result.Subresources {
			fmt.Println(s.Element, s.Ref, s.Verdict, s.Outcome)
		}
	}
	fmt.Println(errors.Is(err, verify.ErrVerification))
	// Output:
	// script app.js match pass
	// script app.js mismatch fail
	// true
}
