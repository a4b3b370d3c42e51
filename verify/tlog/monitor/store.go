package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/ats-run/selfattest/internal/localfile"
)

// A Store keeps a monitor's [State] between runs.
//
// Contract: Load MUST honour ctx and return the state last saved, or an
// error wrapping [os.ErrNotExist] if none was ever saved (the monitor then
// starts a new state); any other error stops the run as a [*StateError].
// Save MUST honour ctx and replace the stored state atomically: after a
// crash, Load returns either the old state or the new one, never a mix. The
// monitor hands Save only a state [ParseState] accepts, and does not keep it.
// [FileStore] and [MemoryStore] implement it.
type Store interface {
	Load(ctx context.Context) (*State, error)
	Save(ctx context.Context, s *State) error
}

// storeName names a store in a [StateError]: its String method, if it has
// one, else its type.
func storeName(s Store) string {
	if n, ok := s.(fmt.Stringer); ok {
		return n.String()
	}
	return fmt.Sprintf("%T", s)
}

// encodeState returns the JSON form of s a [FileStore] writes, or an error
// if s is not a state [ParseState] accepts: no store ever holds an invalid
// state.
func encodeState(s *State) ([]byte, error) {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	data = append(data, '\n')
	if _, err := ParseState(data); err != nil {
		return nil, fmt.Errorf("refusing to write an invalid state: %w", err)
	}
	return data, nil
}

// A FileStore keeps the state in one JSON file. Load reads it through
// internal/localfile, no more than [MaxStateSize] bytes; Save replaces it
// atomically: it writes a temporary file in the same folder, syncs it,
// renames it over the file and syncs the folder, so a crash leaves either
// the old state or the new one, never a mix.
type FileStore struct {
	path string
}

// NewFileStore returns the store of the state file at path. The file need
// not exist; its folder must, when the state is first saved.
func NewFileStore(path string) *FileStore { return &FileStore{path: path} }

// String returns the file's path.
func (f *FileStore) String() string { return f.path }

// Load reads and parses the state file. A file that does not exist is an
// error wrapping [os.ErrNotExist]; any failure is a [*StateError].
func (f *FileStore) Load(ctx context.Context) (*State, error) {
	if err := ctx.Err(); err != nil {
		return nil, &StateError{Path: f.path, Err: err}
	}
	data, err := localfile.ReadFile(f.path, MaxStateSize)
	if err != nil {
		return nil, &StateError{Path: f.path, Err: err}
	}
	s, err := ParseState(data)
	if err != nil {
		return nil, &StateError{Path: f.path, Err: err}
	}
	return s, nil
}

// Save replaces the state file atomically. Any failure is a [*StateError].
func (f *FileStore) Save(ctx context.Context, s *State) error {
	if err := ctx.Err(); err != nil {
		return &StateError{Path: f.path, Err: err}
	}
	data, err := encodeState(s)
	if err != nil {
		return &StateError{Path: f.path, Err: err}
	}
	path := f.path
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return &StateError{Path: path, Err: err}
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return &StateError{Path: path, Err: err}
	}
	if err := tmp.Sync(); err != nil {
		return &StateError{Path: path, Err: err}
	}
	if err := tmp.Close(); err != nil {
		return &StateError{Path: path, Err: err}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return &StateError{Path: path, Err: err}
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: not every file system syncs folders
		d.Close()
	}
	return nil
}

// A MemoryStore keeps the state in memory, as the bytes a [FileStore]
// would write: for tests, examples and callers that persist it their own
// way. The zero value holds no state. It is safe for concurrent use.
type MemoryStore struct {
	mu   sync.Mutex
	data []byte
}

// String returns "memory".
func (m *MemoryStore) String() string { return "memory" }

// Load parses the state last saved; with none, it returns an error wrapping
// [os.ErrNotExist].
func (m *MemoryStore) Load(ctx context.Context) (*State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.data == nil {
		return nil, &StateError{Path: "memory", Err: os.ErrNotExist}
	}
	s, err := ParseState(m.data)
	if err != nil {
		return nil, &StateError{Path: "memory", Err: err}
	}
	return s, nil
}

// Save replaces the state held.
func (m *MemoryStore) Save(ctx context.Context, s *State) error {
	data, err := encodeState(s)
	if err != nil {
		return &StateError{Path: "memory", Err: err}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data = data
	return nil
}
