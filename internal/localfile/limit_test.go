package localfile

import (
	"io"
	"math"
	"strings"
	"testing"
)

// TestLimitReader: one byte past the limit, and everything at the largest
// limit (io.LimitReader(r, limit+1) reads nothing there: limit+1 wraps).
func TestLimitReader(t *testing.T) {
	for _, tc := range []struct {
		limit int64
		want  string
	}{
		{0, "a"},
		{2, "abc"},
		{5, "abcdef"},
		{10, "abcdef"},
		{math.MaxInt64 - 1, "abcdef"},
		{math.MaxInt64, "abcdef"},
	} {
		b, err := io.ReadAll(LimitReader(strings.NewReader("abcdef"), tc.limit))
		if err != nil || string(b) != tc.want {
			t.Errorf("limit %d: %q, %v; want %q", tc.limit, b, err, tc.want)
		}
	}
}
