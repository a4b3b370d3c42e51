package trust

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/internal/localfile"
)

//go:generate bash gen.sh 5.0.1

// PublicGood names the embedded snapshot of the Sigstore public-good
// trusted root from @sigstore/tuf 5.0.1.
const PublicGood = "public-good@sigstore-tuf-5.0.1"

// MaxRootSize is the largest trusted root [FromFile] reads.
const MaxRootSize = 4 << 20

//go:embed snapshots/*.json
var snapshots embed.FS

// snapshotSHA256 is the SHA-256 of each embedded snapshot, as gen.sh
// printed it when it was extracted.
var snapshotSHA256 = map[string]string{
	PublicGood: "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66",
}

// The ways loading a trusted root fails on the caller's input; each is
// beneath selfattest.ErrBadInput.
var (
	// ErrUnknownSnapshot is wrapped by [Embedded] for a name no snapshot
	// has.
	ErrUnknownSnapshot = selfattest.Beneath(selfattest.ErrBadInput, "trust: no embedded trusted root of that name")

	// ErrInvalidRoot is wrapped by [FromJSON] and [FromFile] for bytes
	// that are not a trusted root sigstore-go accepts: not JSON, unknown
	// fields, a key or certificate that does not parse. The cause is
	// wrapped too.
	ErrInvalidRoot = selfattest.Beneath(selfattest.ErrBadInput, "trust: not a valid trusted root")

	// ErrUnreadable is wrapped by [FromFile] for a file it cannot read: a
	// missing file (the cause wraps fs.ErrNotExist), one that is not a
	// regular file, or one over [MaxRootSize].
	ErrUnreadable = selfattest.Beneath(selfattest.ErrBadInput, "trust: trusted root file cannot be read")
)

// Snapshots lists the names of the embedded snapshots, sorted.
func Snapshots() []string {
	var names []string
	for n := range snapshotSHA256 {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// EmbeddedJSON returns the bytes of the embedded snapshot called name,
// after checking them against their recorded SHA-256.
func EmbeddedJSON(name string) ([]byte, error) {
	want, ok := snapshotSHA256[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q (have %v)", ErrUnknownSnapshot, name, Snapshots())
	}
	b, err := snapshots.ReadFile("snapshots/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("trust: %s: %w", name, err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != want {
		// Only a broken build gets here.
		return nil, fmt.Errorf("trust: embedded %s has SHA-256 %s, recorded %s", name, got, want)
	}
	return b, nil
}

// Embedded parses the embedded snapshot called name, such as [PublicGood].
func Embedded(name string) (*root.TrustedRoot, error) {
	b, err := EmbeddedJSON(name)
	if err != nil {
		return nil, err
	}
	return FromJSON(b)
}

// FromFile reads and parses a trusted root file (the JSON form of
// dev.sigstore.trustroot.v1.TrustedRoot), reading at most [MaxRootSize]
// bytes. A path that is not a regular file (a directory, a FIFO, a
// device) is refused without blocking. A file that cannot be read is an
// error wrapping [ErrUnreadable]; one that does not parse, [ErrInvalidRoot].
func FromFile(path string) (*root.TrustedRoot, error) {
	b, err := localfile.ReadFile(path, MaxRootSize)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	tr, err := FromJSON(b)
	if err != nil {
		return nil, fmt.Errorf("trust: %s: %w", path, err)
	}
	return tr, nil
}

// FromJSON parses a trusted root. Bytes sigstore-go does not accept as
// one are an error wrapping [ErrInvalidRoot] and the parser's error.
func FromJSON(b []byte) (*root.TrustedRoot, error) {
	tr, err := root.NewTrustedRootFromJSON(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRoot, err)
	}
	return tr, nil
}
