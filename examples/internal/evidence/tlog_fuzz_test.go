package evidence

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/anchor"
	vtlog "github.com/ats-run/selfattest/verify/tlog"
)

// FuzzReadLogKey: a --tlog-key file is either refused as bad input or
// read as the one key it holds, which writes back as the file's line.
func FuzzReadLogKey(f *testing.F) {
	f.Add([]byte("archivist.local+1c1bc1a4+AYhD1Fr9KlTcFdDoUmSR5PUE5gkfWfGmLGyxeAySPa+d\n"))
	f.Add([]byte("PRIVATE+KEY+archivist.local+1c1bc1a4+AZu3Ib1DK3fZ8oPaKZGsDtkaSwyCJyVt/m6y5YG7rt1L\n"))
	f.Add([]byte("a+00000000+AQ==\nb+00000000+AQ==\n"))
	f.Add([]byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "key.pub")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		k, err := readLogKey(p, "--tlog-key")
		if err != nil {
			if !errors.Is(err, anchor.ErrBadInput) {
				t.Fatalf("refused as other than bad input: %v", err)
			}
			return
		}
		line := strings.TrimSpace(string(data))
		if got := vtlog.FormatLogKey(k); !strings.EqualFold(got, line) {
			t.Fatalf("read %q as the key %q", line, got)
		}
	})
}
