package evidence

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// KeepDir readies dir, the folder a demo works in and keeps (--keep DIR):
// it makes dir (and its parents) when it does not exist, and accepts an
// existing one only if it is an empty folder. A demo writes its files
// under fixed names: run again into a previous run's folder it would mix
// two runs' evidence in one journal, or stop half way on a file it will
// not overwrite; run into a folder holding anything else it would mix its
// files with the user's. KeepDir never removes or changes anything in an
// existing folder.
//
// marks are names a demo writes into its folder: when dir holds one of
// them, the error says dir already holds a demo's evidence and how to
// remove it; when it holds anything else, that it is not empty. Every
// error wraps ErrUsage (bad input, exit 2): the folder is the command
// line's, and the user names another.
func KeepDir(dir string, marks ...string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%w: --keep: %w", ErrUsage, err)
	}
	for _, m := range marks {
		if _, err := os.Lstat(filepath.Join(dir, m)); err == nil {
			return fmt.Errorf("%w: --keep %s: it already holds a demo's evidence (%s): name a new or empty folder, or remove this one first (rm -r %s)", ErrUsage, dir, m, dir)
		}
	}
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("%w: --keep: %w", ErrUsage, err)
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		return fmt.Errorf("%w: --keep %s: %w", ErrUsage, dir, err)
	}
	return fmt.Errorf("%w: --keep %s: the folder is not empty (it holds %s): the demo writes into a folder of its own; name a new or empty one", ErrUsage, dir, names[0])
}
