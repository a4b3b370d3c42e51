package anchortest

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/ats-run/selfattest/anchor"
)

// MemoryKind is the kind of the entries a [Memory] makes.
const MemoryKind = "memory"

// MemoryOptions tunes a [Memory]. The zero value is a target named
// "memory", held in memory only, final at depth 3.
type MemoryOptions struct {
	// Name is the target's name; "memory" if empty.
	Name string
	// StateFile, if set, holds the target's ledger, so that it survives
	// the process (a crash test's child). It is rewritten atomically
	// (a temporary file, fsync, rename) on every change.
	StateFile string
	// FinalDepth is the depth at which an anchor is final; 3 if 0.
	FinalDepth uint64
}

// A Memory is a fake target: a ledger of blocks, each holding the roots
// submitted since the last one, signed by an Ed25519 key so that its
// complete entries verify offline ([NewMemoryVerifier]). Its knobs
// simulate what real targets do: [Memory.Mine] makes a block (an anchor
// is pending until then), [Memory.Reorg] drops the last blocks' anchors,
// [Memory.SetUnavailable] makes it refuse to answer. It is safe for
// concurrent use.
type Memory struct {
	key   ed25519.PrivateKey
	opts  MemoryOptions
	mu    sync.Mutex
	state ledger
	down  bool
}

type ledger struct {
	Height uint64       `json:"height"`
	Subs   []submission `json:"subs"`
}

type submission struct {
	Root    string `json:"root"`
	Block   uint64 `json:"block"` // 0 while pending
	Dropped bool   `json:"dropped"`
}

// The entry of kind "memory": pending entries have ID only; complete ones
// the block and a signature over memoryMessage.
type memoryEntry struct {
	Kind   string `json:"kind"`
	Target string `json:"target"`
	ID     uint64 `json:"id"`
	Root   string `json:"root,omitempty"`
	Block  uint64 `json:"block,omitempty"`
	Sig    string `json:"sig,omitempty"`
}

func memoryMessage(target string, id, block uint64, root string) []byte {
	return fmt.Appendf(nil, "selfattest/anchor/memory/v1\n%s\n%d\n%d\n%s\n", target, id, block, root)
}

// NewMemory returns a fake target signing with key. With a StateFile it
// reads the ledger a previous process left there.
func NewMemory(key ed25519.PrivateKey, opts MemoryOptions) (*Memory, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: anchortest: not an Ed25519 private key", anchor.ErrBadInput)
	}
	if opts.Name == "" {
		opts.Name = "memory"
	}
	if opts.FinalDepth == 0 {
		opts.FinalDepth = 3
	}
	m := &Memory{key: key, opts: opts}
	if opts.StateFile != "" {
		data, err := os.ReadFile(opts.StateFile)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("anchortest: %w", err)
		default:
			if err := json.Unmarshal(data, &m.state); err != nil {
				return nil, fmt.Errorf("%w: anchortest: state file: %w", anchor.ErrBadInput, err)
			}
		}
	}
	return m, nil
}

// Verifier returns the offline verifier of this target's entries.
func (m *Memory) Verifier() anchor.AnchorVerifier {
	return &MemoryVerifier{pub: m.key.Public().(ed25519.PublicKey), target: m.opts.Name}
}

// OnlineVerifier returns the verifier of this target's entries that also
// asks the target ([anchor.OnlineVerifier]): an entry whose anchor was
// dropped is then rejected even though its signature holds.
func (m *Memory) OnlineVerifier() anchor.OnlineVerifier {
	return onlineVerifier{m.Verifier().(*MemoryVerifier), m}
}

type onlineVerifier struct {
	*MemoryVerifier
	m *Memory
}

func (o onlineVerifier) VerifyOnline(ctx context.Context, root anchor.Hash, entry anchor.Entry) (anchor.Status, error) {
	return o.m.Check(ctx, root, entry)
}

// Key returns the public key the target signs with.
func (m *Memory) Key() ed25519.PublicKey { return m.key.Public().(ed25519.PublicKey) }

// Name returns the target's name.
func (m *Memory) Name() string { return m.opts.Name }

func (m *Memory) save() error {
	if m.opts.StateFile == "" {
		return nil
	}
	data, err := json.Marshal(&m.state)
	if err != nil {
		return err
	}
	tmp := m.opts.StateFile + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, m.opts.StateFile); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(m.opts.StateFile))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (m *Memory) answer(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: anchortest: %w", anchor.ErrCouldNotCheck, err)
	}
	if m.down {
		return fmt.Errorf("%w: anchortest: target %q is unavailable", anchor.ErrCouldNotCheck, m.opts.Name)
	}
	return nil
}

func (m *Memory) pending(id uint64) anchor.Entry {
	data, _ := json.Marshal(memoryEntry{Kind: MemoryKind, Target: m.opts.Name, ID: id})
	e, err := anchor.ParseEntry(data)
	if err != nil {
		panic("anchortest: own entry refused: " + err.Error())
	}
	return e
}

// Anchor submits root. A root already submitted and not dropped gets its
// earlier entry back.
func (m *Memory) Anchor(ctx context.Context, root anchor.Hash) (anchor.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.answer(ctx); err != nil {
		return anchor.Entry{}, err
	}
	r := root.String()
	for i, s := range m.state.Subs {
		if s.Root == r && !s.Dropped {
			return m.pending(uint64(i) + 1), nil
		}
	}
	m.state.Subs = append(m.state.Subs, submission{Root: r})
	if err := m.save(); err != nil {
		m.state.Subs = m.state.Subs[:len(m.state.Subs)-1]
		return anchor.Entry{}, fmt.Errorf("%w: anchortest: %w", anchor.ErrCouldNotCheck, err)
	}
	return m.pending(uint64(len(m.state.Subs))), nil
}

// Check reports the state of entry's anchor of root.
func (m *Memory) Check(ctx context.Context, root anchor.Hash, entry anchor.Entry) (anchor.Status, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.answer(ctx); err != nil {
		return anchor.Status{}, err
	}
	var me memoryEntry
	if err := entry.Decode(&me); err != nil {
		return anchor.Status{}, err
	}
	if me.Kind != MemoryKind || me.Target != m.opts.Name {
		return anchor.Status{}, fmt.Errorf("%w: anchortest: entry of kind %q at %q is not this target's", anchor.ErrAnchor, me.Kind, me.Target)
	}
	if me.ID == 0 || me.ID > uint64(len(m.state.Subs)) {
		return anchor.Status{}, fmt.Errorf("%w: anchortest: no anchor %d at %q", anchor.ErrAnchor, me.ID, m.opts.Name)
	}
	s := m.state.Subs[me.ID-1]
	if s.Root != root.String() {
		return anchor.Status{}, fmt.Errorf("%w: anchortest: anchor %d is of root %s, not %s", anchor.ErrAnchor, me.ID, s.Root, root)
	}
	if me.Sig != "" || me.Root != "" || me.Block != 0 {
		if err := m.Verifier().VerifyOffline(root, entry); err != nil {
			return anchor.Status{}, err
		}
		if me.Block != s.Block && !s.Dropped {
			return anchor.Status{}, fmt.Errorf("%w: anchortest: anchor %d is in block %d, not %d", anchor.ErrAnchor, me.ID, s.Block, me.Block)
		}
	}
	switch {
	case s.Dropped:
		return anchor.Status{State: anchor.StateFailed, Entry: entry}, nil
	case s.Block == 0:
		return anchor.Status{State: anchor.StatePending, Entry: entry}, nil
	}
	full := memoryEntry{Kind: MemoryKind, Target: m.opts.Name, ID: me.ID, Root: s.Root, Block: s.Block}
	full.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(m.key, memoryMessage(full.Target, full.ID, full.Block, full.Root)))
	data, _ := json.Marshal(full)
	e, err := anchor.ParseEntry(data)
	if err != nil {
		panic("anchortest: own entry refused: " + err.Error())
	}
	st := anchor.Status{State: anchor.StateConfirmed, Depth: m.state.Height - s.Block + 1, Entry: e}
	if st.Depth >= m.opts.FinalDepth {
		st.State = anchor.StateFinal
	}
	return st, nil
}

// Mine makes a block holding every pending submission; with none it still
// makes an (empty) block, deepening the earlier ones.
func (m *Memory) Mine() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.state.Height++
	for i := range m.state.Subs {
		if s := &m.state.Subs[i]; s.Block == 0 && !s.Dropped {
			s.Block = m.state.Height
		}
	}
	return m.save()
}

// Advance mines a block: see [Advancer].
func (m *Memory) Advance(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return m.Mine()
}

// Reorg undoes the last n blocks: the anchors they held that are not final
// are dropped (their Check reports StateFailed), as are pending ones.
func (m *Memory) Reorg(n uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n = min(n, m.state.Height)
	cut := m.state.Height - n
	for i := range m.state.Subs {
		s := &m.state.Subs[i]
		if s.Block == 0 || s.Block > cut {
			s.Dropped = true
		}
	}
	m.state.Height = cut
	return m.save()
}

// DropRecent drops every anchor that is not final: see [Dropper].
func (m *Memory) DropRecent(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return m.Reorg(m.opts.FinalDepth - 1)
}

// SetUnavailable makes every call fail with could-not-check (true) or
// answer again (false).
func (m *Memory) SetUnavailable(down bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.down = down
}

// Submissions returns how many anchors were ever made at this target.
func (m *Memory) Submissions() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.state.Subs)
}

// Dropped returns how many anchors were dropped by [Memory.Reorg].
func (m *Memory) Dropped() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, s := range m.state.Subs {
		if s.Dropped {
			n++
		}
	}
	return n
}

// A MemoryVerifier checks complete entries of kind "memory" offline: the
// Ed25519 signature, by the key it was made with, over the target, the
// anchor's number, its block and the root.
type MemoryVerifier struct {
	pub    ed25519.PublicKey
	target string
}

// NewMemoryVerifier returns the verifier of entries signed by pub's key,
// for the target named target ("" for every target of kind "memory").
func NewMemoryVerifier(pub ed25519.PublicKey, target string) *MemoryVerifier {
	return &MemoryVerifier{pub: pub, target: target}
}

// Target returns the target it verifies entries of ("" for all).
func (v *MemoryVerifier) Target() string { return v.target }

// Kind returns "memory".
func (v *MemoryVerifier) Kind() string { return MemoryKind }

// VerifyOffline checks that entry anchors root.
func (v *MemoryVerifier) VerifyOffline(root anchor.Hash, entry anchor.Entry) error {
	var me memoryEntry
	if err := entry.Decode(&me); err != nil {
		return err
	}
	if me.Kind != MemoryKind {
		return fmt.Errorf("%w: anchortest: kind %q", anchor.ErrBadInput, me.Kind)
	}
	if v.target != "" && me.Target != v.target {
		return fmt.Errorf("%w: anchortest: entry of target %q, not %q", anchor.ErrAnchor, me.Target, v.target)
	}
	if me.Sig == "" && me.Root == "" && me.Block == 0 {
		return fmt.Errorf("%w: anchortest: anchor %d at %q is pending", anchor.ErrPending, me.ID, me.Target)
	}
	if me.Root != root.String() {
		return fmt.Errorf("%w: anchortest: the entry anchors %q, not %s", anchor.ErrAnchor, me.Root, root)
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(me.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: anchortest: signature is not an Ed25519 signature", anchor.ErrAnchor)
	}
	if !ed25519.Verify(v.pub, memoryMessage(me.Target, me.ID, me.Block, me.Root), sig) {
		return fmt.Errorf("%w: anchortest: bad signature on anchor %d at %q", anchor.ErrAnchor, me.ID, me.Target)
	}
	return nil
}

var (
	_ anchor.Anchorer       = (*Memory)(nil)
	_ anchor.TargetVerifier = (*MemoryVerifier)(nil)
)
