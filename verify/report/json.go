package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"
)

// WriteJSON writes r as indented JSON with a trailing newline, fields in
// schema order and map keys sorted; Checks is written as [] when empty. It
// refuses, with an error wrapping [ErrInvalid], a report that [Parse] would
// reject — one whose status Finish has not set, for instance.
func (r *Report) WriteJSON(w io.Writer) error {
	if err := r.validate(); err != nil {
		return err
	}
	c := *r
	if c.Checks == nil {
		c.Checks = []Check{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&c); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Parse reads a report written by [Report.WriteJSON] or any other v1
// writer. It rejects input over [MaxSize] bytes, input that is not UTF-8,
// JSON with ambiguous keys (see the package documentation), a schema other
// than [SchemaV1] (a [*SchemaError]), an unknown status or verdict, a
// negative size or log index, and a pass its verdicts contradict (a
// [*StatusMismatchError]). Every error wraps [ErrInvalid].
//
// Fields Parse does not know are ignored. The report it returns has a
// non-nil Checks, and nil rather than empty Artifacts and Details.Extra.
func Parse(data []byte) (*Report, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes is over the limit of %d", ErrInvalid, len(data), MaxSize)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: not UTF-8", ErrInvalid)
	}
	if err := checkKeys(data); err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if r.Checks == nil {
		r.Checks = []Check{}
	}
	if len(r.Artifacts) == 0 {
		r.Artifacts = nil
	}
	if len(r.Details.Extra) == 0 {
		r.Details.Extra = nil
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

// A shape is the kind of JSON value checkKeys expects at a place in a
// report: an object with known fields, a map, an array, or anything.
type shape int

const (
	anyShape shape = iota
	reportShape
	subjectShape
	detailsShape
	checkShape
	artifactShape
	sigstoreShape
	checksShape    // array of checkShape
	artifactsShape // array of artifactShape
	mapShape       // object with arbitrary keys
)

// fields returns the field names of an object shape and the shape of each
// field's value, or nil if s is not an object with known fields.
func (s shape) fields() map[string]shape {
	switch s {
	case reportShape:
		return map[string]shape{"schema": anyShape, "title": anyShape, "status": anyShape, "reason": anyShape,
			"subject": subjectShape, "details": detailsShape, "checks": checksShape,
			"artifacts": artifactsShape, "sigstore": sigstoreShape}
	case subjectShape:
		return map[string]shape{"name": anyShape, "uri": anyShape, "digests": mapShape, "size": anyShape}
	case detailsShape:
		return map[string]shape{"timestamp": anyShape, "verifier_version": anyShape, "verifier_commit": anyShape,
			"verifier_commit_url": anyShape, "release_tag": anyShape, "workflow_run": anyShape,
			"workflow_run_url": anyShape, "extra": mapShape}
	case checkShape:
		return map[string]shape{"group": anyShape, "name": anyShape, "expected": anyShape, "actual": anyShape,
			"verdict": anyShape, "detail": anyShape}
	case artifactShape:
		return map[string]shape{"role": anyShape, "name": anyShape, "uri": anyShape}
	case sigstoreShape:
		return map[string]shape{"signature": anyShape, "rekor_log_index": anyShape, "rekor_url": anyShape,
			"certificate_issuer": anyShape, "identity": anyShape, "detail": anyShape}
	}
	return nil
}

// maxDepth bounds the nesting checkKeys follows. A v1 report nests four
// deep; the rest is room for unknown fields.
const maxDepth = 64

// checkKeys rejects JSON that different readers would read differently.
// encoding/json keeps the last of two equal keys where other readers keep
// the first, and matches field names without regard to case where others
// do not; so an object may not hold a key twice, nor two keys that differ
// only in case, and a report object may not hold a key that differs from one
// of its field names only in case.
func checkKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := walk(dec, reportShape, 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the report", ErrInvalid)
	}
	return nil
}

func walk(dec *json.Decoder, s shape, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: nested more than %d deep", ErrInvalid, maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return syntaxError(err)
	}
	switch tok {
	case json.Delim('['):
		elem := anyShape
		switch s {
		case checksShape:
			elem = checkShape
		case artifactsShape:
			elem = artifactShape
		}
		for dec.More() {
			if err := walk(dec, elem, depth+1); err != nil {
				return err
			}
		}
	case json.Delim('{'):
		fields := s.fields()
		folded := make(map[string]bool, len(fields))
		for name := range fields {
			folded[foldKey(name)] = true
		}
		seen := make(map[string]string)
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return syntaxError(err)
			}
			key, ok := tok.(string)
			if !ok {
				return fmt.Errorf("%w: object key is not a string", ErrInvalid)
			}
			f := foldKey(key)
			if prev, dup := seen[f]; dup {
				if prev == key {
					return fmt.Errorf("%w: key %s appears twice", ErrInvalid, quote(key))
				}
				return fmt.Errorf("%w: keys %s and %s differ only in case", ErrInvalid, quote(prev), quote(key))
			}
			seen[f] = key
			child, known := fields[key]
			if !known && folded[f] {
				return fmt.Errorf("%w: key %s is a field name in the wrong case", ErrInvalid, quote(key))
			}
			if err := walk(dec, child, depth+1); err != nil {
				return err
			}
		}
	default:
		return nil // a scalar
	}
	if _, err := dec.Token(); err != nil { // the closing ] or }
		return syntaxError(err)
	}
	return nil
}

func syntaxError(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: %w", ErrInvalid, err)
}

// foldKey maps s to a string that is the same for every s' with
// strings.EqualFold(s, s'), the comparison encoding/json uses for field
// names: each rune becomes the smallest rune of its case-folding orbit.
func foldKey(s string) string {
	b := make([]rune, 0, len(s))
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b = append(b, m)
	}
	return string(b)
}
