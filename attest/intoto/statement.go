package intoto

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/ats-run/selfattest/attest"
	intotov1 "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// StatementTypeV1 is the "_type" of every statement this package writes
// and the only one [ParseStatement] accepts.
const StatementTypeV1 = intotov1.StatementTypeUri

// MaxStatementSize is the largest statement, in bytes, that
// [ParseStatement] reads, and the largest predicate [NewStatement] embeds.
const MaxStatementSize = 16 << 20

// Predicate is the claim a statement makes about its subjects.
type Predicate interface {
	// PredicateType returns the predicate's type URI.
	PredicateType() string
	// PredicateJSON returns the predicate as one JSON object. It must
	// return an error wrapping [attest.ErrBadInput] if the predicate is unusable.
	PredicateJSON() ([]byte, error)
}

// Subject is one artifact a statement is about: its name (a file name or
// a path in a release folder) and its digests, from [attest.Measure].
type Subject struct {
	Name    string
	Digests attest.Digests
}

// descriptor returns s as an in-toto ResourceDescriptor with the sha256
// and sha512 digests.
func (s Subject) descriptor() *intotov1.ResourceDescriptor {
	return &intotov1.ResourceDescriptor{
		Name: s.Name,
		Digest: map[string]string{
			string(attest.SHA256): s.Digests.Hex(attest.SHA256),
			string(attest.SHA512): s.Digests.Hex(attest.SHA512),
		},
	}
}

// NewStatement returns an in-toto Statement v1 whose predicate is p and
// whose subjects are subjects, in the order given, each with its sha256 and
// sha512 digests. It needs at least one subject, each with a name, and
// returns an error wrapping [attest.ErrBadInput] otherwise or when p's JSON is not
// an object.
func NewStatement(p Predicate, subjects ...Subject) (*intotov1.Statement, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: statement: nil predicate", attest.ErrBadInput)
	}
	if len(subjects) == 0 {
		return nil, fmt.Errorf("%w: statement: no subject", attest.ErrBadInput)
	}
	st := &intotov1.Statement{Type: StatementTypeV1, PredicateType: p.PredicateType()}
	for i, s := range subjects {
		if s.Name == "" {
			return nil, fmt.Errorf("%w: statement: subject %d has no name", attest.ErrBadInput, i)
		}
		st.Subject = append(st.Subject, s.descriptor())
	}
	pj, err := p.PredicateJSON()
	if err != nil {
		return nil, fmt.Errorf("attest: statement: predicate %s: %w", p.PredicateType(), err)
	}
	pred, err := structFromJSON(pj)
	if err != nil {
		return nil, fmt.Errorf("%w: statement: predicate %s: %w", attest.ErrBadInput, p.PredicateType(), err)
	}
	st.Predicate = pred
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("%w: statement: %w", attest.ErrBadInput, err)
	}
	return st, nil
}

// MarshalStatement returns st as JSON: protojson's field names and order,
// keys inside the predicate sorted, two-space indentation, a final
// newline. The same statement always gives the same bytes.
func MarshalStatement(st *intotov1.Statement) ([]byte, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: statement: nil", attest.ErrBadInput)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("%w: statement: %w", attest.ErrBadInput, err)
	}
	return stableJSON(st)
}

// ParseStatement reads a statement [MarshalStatement] wrote, or any
// in-toto Statement v1 in JSON. It refuses input over
// [MaxStatementSize], unknown fields, a "_type" other than
// [StatementTypeV1], no subject, a subject without a digest and a digest
// that is not hex of its algorithm's length. Every error wraps
// [attest.ErrBadInput].
func ParseStatement(data []byte) (*intotov1.Statement, error) {
	if len(data) > MaxStatementSize {
		return nil, fmt.Errorf("%w: statement: %d bytes is over the limit of %d", attest.ErrBadInput, len(data), MaxStatementSize)
	}
	st := new(intotov1.Statement)
	if err := protojson.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("%w: statement: %w", attest.ErrBadInput, err)
	}
	if st.GetType() != StatementTypeV1 {
		return nil, fmt.Errorf("%w: statement: _type %q, want %q", attest.ErrBadInput, st.GetType(), StatementTypeV1)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("%w: statement: %w", attest.ErrBadInput, err)
	}
	return st, nil
}

// PredicateJSON returns the predicate of st as JSON, in the stable form
// [MarshalStatement] writes it.
func PredicateJSON(st *intotov1.Statement) ([]byte, error) {
	if st.GetPredicate() == nil {
		return nil, fmt.Errorf("%w: statement has no predicate", attest.ErrBadInput)
	}
	return stableJSON(st.GetPredicate())
}

// stableJSON writes m with protojson and normalises the whitespace, which
// protojson varies on purpose from one build of a program to the next.
// protojson already writes fields in a fixed order and map keys sorted.
func stableJSON(m proto.Message) ([]byte, error) {
	raw, err := protojson.MarshalOptions{UseProtoNames: false}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("attest: encoding %T: %w", m, err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, fmt.Errorf("attest: encoding %T: %w", m, err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// structFromJSON parses one JSON object into a protobuf Struct; protojson
// refuses a key given twice.
func structFromJSON(b []byte) (*structpb.Struct, error) {
	if len(b) > MaxStatementSize {
		return nil, fmt.Errorf("%d bytes is over the limit of %d", len(b), MaxStatementSize)
	}
	s := new(structpb.Struct)
	if err := protojson.Unmarshal(b, s); err != nil {
		return nil, err
	}
	return s, nil
}
