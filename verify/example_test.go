package verify_test

import (
	"context"
	"errors"
	"fmt"
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
