package evidence

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor"
)

// The defaults both programs use.
const (
	// DefaultJournal is the journal file unless --journal names another.
	DefaultJournal = "archivist.journal"
	// DefaultMaxSize is the largest file accepted, in bytes.
	DefaultMaxSize = 1 << 30
	// DefaultTimeout is the time limit of a command that asks targets.
	DefaultTimeout = 2 * time.Minute
)

// RegisterJournal registers --journal, the journal file, on fs, with
// usage as its help (its `file` names the argument).
func RegisterJournal(fs *flag.FlagSet, p *string, usage string) {
	fs.StringVar(p, "journal", DefaultJournal, usage)
}

// JournalExists refuses a journal file that does not exist, for the
// commands that only work on one that does.
func JournalExists(journal string) error {
	if _, err := os.Stat(journal); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: no journal at %s (add files first, or give --journal)", ErrUsage, journal)
	}
	return nil
}

// OpenJournal opens the journal at path, creating it only with create.
// With log, the journal tells it every batch sealed, anchor submitted and
// state change.
func OpenJournal(path string, create bool, log *slog.Logger) (*anchor.Journal, error) {
	if !create {
		if err := JournalExists(path); err != nil {
			return nil, err
		}
	}
	return anchor.OpenJournal(path, anchor.JournalOptions{Logger: log})
}

// NewLogger writes records as progress lines on w: the prefix, the
// message and its attributes, no time or level.
func NewLogger(w io.Writer, prefix string) *slog.Logger {
	return slog.New(slog.NewTextHandler(PrefixWriter{w, prefix}, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// A PrefixWriter writes each Write on W after Prefix: given whole lines,
// it prefixes each (the notices of this package are one line each).
type PrefixWriter struct {
	W      io.Writer
	Prefix string
}

func (p PrefixWriter) Write(b []byte) (int, error) {
	if _, err := fmt.Fprintf(p.W, "%s%s", p.Prefix, b); err != nil {
		return 0, err
	}
	return len(b), nil
}

// TargetFlags are the targets' settings, as the archivist's anchor and
// upgrade and the verifier's verify --anchor take them: To lists the
// targets (the caller registers it, as --to or --anchor), Timeout bounds
// the whole command (the caller registers it too).
type TargetFlags struct {
	To      string
	Eth     EthFlags
	Tlog    TlogFlags
	Rekor   RekorFlags
	Ipfs    IpfsFlags
	Timeout time.Duration
}

// Register registers every target's flags on fs. With sign (anchoring),
// the eth key and fee flags too; without (upgrade only checks anchors),
// not.
func (t *TargetFlags) Register(fs *flag.FlagSet, sign bool) {
	t.Tlog.Register(fs)
	t.Rekor.Register(fs)
	t.Ipfs.Register(fs)
	fs.StringVar(&t.Eth.RPC, "eth-rpc", "", "eth: the JSON-RPC endpoint `URL`")
	fs.Uint64Var(&t.Eth.ChainID, "chain-id", 0, "eth: the chain id the endpoint must be on")
	fs.StringVar(&t.Eth.Sink, "sink", "", "eth: the `address` (0x and 40 hex digits) anchor transactions are sent to")
	fs.StringVar(&t.Eth.Contract, "contract", "", "eth-event: the Anchor contract's `address` (0x and 40 hex digits; see deploy-contract)")
	fs.Uint64Var(&t.Eth.FinalDepth, "final-depth", 0, "eth: the depth at which an anchor is final (default 64)")
	if sign {
		fs.StringVar(&t.Eth.KeyFile, "eth-key-file", "", "eth: the `file` holding the sending key, 64 hex digits, mode 600")
		fs.StringVar(&t.Eth.KeyEnv, "eth-key-env", "", "eth: the environment `variable` holding the sending key")
		fs.Uint64Var(&t.Eth.MaxFeeGwei, "max-fee-gwei", 0, "eth: the highest fee per gas to offer, in gwei (default 100)")
	}
}

// ReceiptsDir is where receipts are written: out if set, else the folder
// receipts beside the journal.
func ReceiptsDir(out, journal string) string {
	if out != "" {
		return out
	}
	return filepath.Join(filepath.Dir(journal), "receipts")
}

// Outcome names what err means, as the exit code does, telling pending
// apart from could not check.
func Outcome(err error) string {
	switch selfattest.ExitCode(err) {
	case selfattest.ExitVerified:
		return "verified"
	case selfattest.ExitRejected:
		return "rejected"
	case selfattest.ExitBadInput:
		return "bad input"
	}
	if errors.Is(err, anchor.ErrPending) && !errors.Is(err, anchor.ErrCouldNotCheck) {
		return "pending"
	}
	return "could not check"
}

// ErrString is err's message, or "" for nil: the error field of JSON
// output.
func ErrString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// AnchorJSON is one anchor of a batch in JSON output.
type AnchorJSON struct {
	Target   string `json:"target"`
	State    string `json:"state"`
	Depth    uint64 `json:"depth,omitempty"`
	Attempts int    `json:"attempts"`
}

// BatchJSON is one batch in JSON output: its root and anchors.
type BatchJSON struct {
	ID      uint64       `json:"id"`
	Size    int          `json:"size"`
	Root    string       `json:"root"`
	Final   bool         `json:"final"`
	Anchors []AnchorJSON `json:"anchors"`
}

// BatchesJSON is bs as JSON output lists them.
func BatchesJSON(bs []anchor.BatchStatus) []BatchJSON {
	out := make([]BatchJSON, len(bs))
	for i, b := range bs {
		out[i] = BatchJSON{ID: uint64(b.ID), Size: b.Size, Root: b.Root.String(), Final: b.Final(), Anchors: []AnchorJSON{}}
		for _, a := range b.Anchors {
			out[i].Anchors = append(out[i].Anchors, AnchorJSON{Target: a.Target, State: a.State.String(), Depth: a.Depth, Attempts: a.Attempts})
		}
	}
	return out
}
