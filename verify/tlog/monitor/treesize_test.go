package monitor_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/monitor"
)

// The helpers below are package tlog's treesize_test.go's.

// Sizes just above tlog.MaxTreeSize, up to the largest uint64. From 2^62
// on, x/mod's tree arithmetic never ends; from 2^63 on, a size does not
// fit in x/mod's int64.
var hugeSizes = []uint64{
	tlog.MaxTreeSize + 1, // 2^62
	1<<62 + 1,
	1<<63 - 1,
	1 << 63,
	1<<64 - 2,
	1<<64 - 1,
}

// prompt runs f and fails the test if it has not returned within d: a
// hang is a failure, not a stuck suite. The goroutine of a call that hangs
// is left behind.
func prompt[T any](t testing.TB, d time.Duration, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(d):
		t.Fatalf("did not return within %v", d)
		panic("unreachable")
	}
}

const promptly = 10 * time.Second

// hugeNote is a checkpoint at size signed by the log's own key.
func hugeNote(t testing.TB, l *testLog, size uint64) []byte {
	t.Helper()
	h := sha256.Sum256(binary.BigEndian.AppendUint64(nil, size))
	b, err := tlog.FormatCheckpoint(&tlog.Checkpoint{Origin: l.origin, Size: size, Hash: h[:]})
	if err != nil {
		t.Fatal(err)
	}
	return l.sign(t, b)
}

// wantTreeSizeError checks that err is the log's rejection of a checkpoint
// at size: a *TreeSizeError wrapping ErrVerification, with the size as
// evidence.
func wantTreeSizeError(t testing.TB, err error, size uint64) {
	t.Helper()
	var tse *tlog.TreeSizeError
	if !errors.As(err, &tse) || !errors.Is(err, tlog.ErrVerification) {
		t.Fatalf("got %v, want a *TreeSizeError wrapping ErrVerification", err)
	}
	if tse.Size != size || len(tse.Note) == 0 || tse.Origin == "" {
		t.Fatalf("TreeSizeError carries size %d, origin %q and a note of %d bytes; want size %d", tse.Size, tse.Origin, len(tse.Note), size)
	}
}

// TestMonitorTreeSize runs a monitor on a log whose checkpoint is above
// MaxTreeSize: a rejection, promptly, and the state file is not changed.
func TestMonitorTreeSize(t *testing.T) {
	ctx := context.Background()
	ml := newMonitorLog(t, newEd25519Log(t, "monitor.test"), entries(300))
	ml.publish(300)
	for _, size := range hugeSizes {
		huge := ml.fetcher()
		huge.CheckpointFunc = func(context.Context) ([]byte, error) { return hugeNote(t, ml.log, size), nil }
		t.Run(fmt.Sprint("fresh ", size), func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state.json")
			mon := ml.monitorOf(state, everyNth(10, -1), huge)
			err := prompt(t, promptly, func() error { _, e := mon.Run(ctx); return e })
			wantTreeSizeError(t, err, size)
			if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("state file written for a rejected checkpoint: %v", err)
			}
		})
		t.Run(fmt.Sprint("after 300 ", size), func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state.json")
			mon := ml.monitor(state, everyNth(10, -1))
			if _, err := mon.Run(ctx); err != nil {
				t.Fatal(err)
			}
			before := readFile(t, state)
			mon = ml.monitorOf(state, everyNth(10, -1), huge)
			err := prompt(t, promptly, func() error { _, e := mon.Run(ctx); return e })
			wantTreeSizeError(t, err, size)
			if after := readFile(t, state); !bytes.Equal(before, after) {
				t.Fatalf("state file changed by a rejected checkpoint:\n%s\n%s", before, after)
			}
		})
		t.Run(fmt.Sprint("stored ", size), func(t *testing.T) {
			// A state file holding a checkpoint above the bound, signed
			// by the log, is the monitor's own storage gone wrong.
			state := filepath.Join(t.TempDir(), "state.json")
			b, err := json.Marshal(map[string]any{"schema": monitor.StateSchema, "origin": ml.log.origin, "checkpoint": string(hugeNote(t, ml.log, size)), "next_index": 0})
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(state, b, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := monitor.ParseState(b); err == nil {
				t.Fatalf("ParseState accepted a checkpoint of size %d", size)
			}
			mon := ml.monitor(state, everyNth(10, -1))
			err = prompt(t, promptly, func() error { _, e := mon.Run(ctx); return e })
			var se *monitor.StateError
			if !errors.As(err, &se) || errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("got %v, want a *StateError", err)
			}
		})
	}
}
