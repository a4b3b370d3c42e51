package anchor

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ReceiptSchema is the "schema" of a receipt of version 1.
const ReceiptSchema = "https://github.com/ats-run/selfattest/receipt/v1"

// Limits of the receipt format.
const (
	MaxReceiptSize = 1 << 20 // bytes of a whole receipt
	MaxProofLen    = 64      // hashes in "proof"
	MaxAnchors     = 64      // entries in "anchors"
	maxDepth       = 64      // nesting of JSON values
)

// A Receipt is what an item of evidence keeps: the item as the receipt
// names it, its place in a batch, the inclusion proof to the batch's root,
// and the anchors of that root. A Receipt read by [ParseReceipt] is well
// formed but unverified until [VerifyReceipt] says otherwise.
type Receipt struct {
	Evidence  Evidence
	LeafIndex uint64
	TreeSize  uint64
	Proof     []Hash
	Root      Hash
	Anchors   []Entry
}

// An Entry is one anchor of a root: a JSON object with a "kind", a
// "target", and the members of its kind (see "The receipt, version 1" in
// the package documentation). Make one with [ParseEntry].
type Entry struct {
	Kind   string
	Target string
	raw    []byte // the object, compact
}

// JSON returns the entry's JSON object, compact.
func (e Entry) JSON() []byte { return slices.Clone(e.raw) }

// IsZero reports whether e is the zero Entry (no entry).
func (e Entry) IsZero() bool { return e.raw == nil }

// Equal reports whether e and o are the same JSON object byte for byte.
func (e Entry) Equal(o Entry) bool { return e.raw != nil && bytes.Equal(e.raw, o.raw) }

// Decode decodes the entry's members into v (a pointer to a struct with
// fields for every member, "kind" and "target" included), refusing members
// v has no field for. It returns an error wrapping [ErrBadInput].
//
// Member names are matched exactly, not in encoding/json's
// case-insensitive way: "Root" is not "root".
func (e Entry) Decode(v any) error {
	if err := exactNames(e.raw, v); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(e.raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &FormatError{Field: "anchor entry", Reason: "members of kind " + strconv.Quote(e.Kind), Err: err}
	}
	return nil
}

// ParseEntry reads an anchor entry: a JSON object with a "kind" of 1 to 64
// bytes of [a-z0-9.-], a "target" of 1 to 128 bytes of printable ASCII,
// and no duplicate key. The kind's own members are the verifier's to
// check. It returns an error wrapping [ErrBadInput].
func ParseEntry(data []byte) (Entry, error) {
	if len(data) > MaxReceiptSize {
		return Entry{}, badInput("anchor entry", "larger than MaxReceiptSize")
	}
	if err := checkJSON(data); err != nil {
		return Entry{}, err
	}
	return parseEntry(data)
}

func parseEntry(data []byte) (Entry, error) {
	var m map[string]json.RawMessage
	if err := unmarshalObject(data, &m, "anchor entry"); err != nil {
		return Entry{}, err
	}
	var e Entry
	var err error
	if e.Kind, err = str(m, "kind", "anchor entry"); err != nil {
		return Entry{}, err
	}
	if e.Target, err = str(m, "target", "anchor entry"); err != nil {
		return Entry{}, err
	}
	if len(e.Kind) == 0 || len(e.Kind) > 64 {
		return Entry{}, badInput("anchor entry.kind", "empty or longer than 64 bytes")
	}
	for i := 0; i < len(e.Kind); i++ {
		if c := e.Kind[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return Entry{}, badInput("anchor entry.kind", "not [a-z0-9.-]")
		}
	}
	if len(e.Target) == 0 || len(e.Target) > 128 {
		return Entry{}, badInput("anchor entry.target", "empty or longer than 128 bytes")
	}
	for i := 0; i < len(e.Target); i++ {
		if c := e.Target[i]; c < 0x20 || c > 0x7e {
			return Entry{}, badInput("anchor entry.target", "not printable ASCII")
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		return Entry{}, &FormatError{Field: "anchor entry", Reason: "not JSON", Err: err}
	}
	e.raw = buf.Bytes()
	return e, nil
}

// Marshal returns the receipt in the format of version 1, members in the
// documented order, without insignificant white space. It returns an error
// wrapping [ErrBadInput] if the receipt could not be parsed back.
func (r *Receipt) Marshal() ([]byte, error) {
	n := 256 + 2*len(r.Evidence.Name) + len(r.Evidence.MediaType) + 2*len(r.Evidence.Digest) + 67*len(r.Proof)
	for _, e := range r.Anchors {
		n += len(e.raw) + 1
	}
	return r.AppendMarshal(make([]byte, 0, n))
}

// AppendMarshal appends the receipt, as [Receipt.Marshal] writes it, to
// dst.
func (r *Receipt) AppendMarshal(dst []byte) ([]byte, error) {
	if err := r.Evidence.check(); err != nil {
		return dst, err
	}
	if r.TreeSize == 0 || r.TreeSize > MaxTreeSize || r.LeafIndex >= r.TreeSize {
		return dst, badInput("leafIndex", "not below treeSize, or treeSize out of range")
	}
	if len(r.Proof) > MaxProofLen {
		return dst, badInput("proof", "more than 64 hashes")
	}
	if len(r.Anchors) > MaxAnchors {
		return dst, badInput("anchors", "more than 64 entries")
	}
	dst = append(dst, `{"schema":"`+ReceiptSchema+`","evidence":{"name":`...)
	dst = appendString(dst, r.Evidence.Name)
	dst = append(dst, `,"mediaType":`...)
	dst = appendString(dst, r.Evidence.MediaType)
	dst = append(dst, `,"digest":{"alg":"`...)
	dst = append(dst, r.Evidence.Algorithm...)
	dst = append(dst, `","hex":"`...)
	dst = appendHex(dst, r.Evidence.Digest)
	dst = append(dst, `"}},"leafIndex":`...)
	dst = strconv.AppendUint(dst, r.LeafIndex, 10)
	dst = append(dst, `,"treeSize":`...)
	dst = strconv.AppendUint(dst, r.TreeSize, 10)
	dst = append(dst, `,"proof":[`...)
	for i := range r.Proof {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = appendHex(dst, r.Proof[i][:])
		dst = append(dst, '"')
	}
	dst = append(dst, `],"root":"`...)
	dst = appendHex(dst, r.Root[:])
	dst = append(dst, `","anchors":[`...)
	for i, e := range r.Anchors {
		if e.raw == nil {
			return dst, badInput("anchors["+strconv.Itoa(i)+"]", "not an entry from ParseEntry")
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, e.raw...)
	}
	dst = append(dst, "]}"...)
	return dst, nil
}

// appendString appends s, valid UTF-8, as a JSON string.
func appendString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// ParseReceipt reads a receipt of version 1, strictly: an unknown,
// missing or duplicate member, a value of the wrong type, a hash of the
// wrong length or not in lowercase hex, a proof longer than [MaxProofLen],
// a leaf index not below the tree size, a tree size out of range, an
// invalid entry, or trailing data is refused with an error wrapping
// [ErrBadInput]. The receipt is not verified: see [VerifyReceipt].
func ParseReceipt(data []byte) (*Receipt, error) {
	if len(data) > MaxReceiptSize {
		return nil, badInput("receipt", "larger than MaxReceiptSize")
	}
	if err := checkJSON(data); err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := unmarshalObject(data, &top, "receipt"); err != nil {
		return nil, err
	}
	if err := exactly(top, "receipt", "schema", "evidence", "leafIndex", "treeSize", "proof", "root", "anchors"); err != nil {
		return nil, err
	}
	schema, err := str(top, "schema", "receipt")
	if err != nil {
		return nil, err
	}
	if schema != ReceiptSchema {
		return nil, badInput("schema", "not "+ReceiptSchema)
	}
	r := new(Receipt)

	var ev map[string]json.RawMessage
	if err := unmarshalObject(top["evidence"], &ev, "evidence"); err != nil {
		return nil, err
	}
	if err := exactly(ev, "evidence", "name", "mediaType", "digest"); err != nil {
		return nil, err
	}
	if r.Evidence.Name, err = str(ev, "name", "evidence"); err != nil {
		return nil, err
	}
	if r.Evidence.MediaType, err = str(ev, "mediaType", "evidence"); err != nil {
		return nil, err
	}
	var dg map[string]json.RawMessage
	if err := unmarshalObject(ev["digest"], &dg, "evidence.digest"); err != nil {
		return nil, err
	}
	if err := exactly(dg, "evidence.digest", "alg", "hex"); err != nil {
		return nil, err
	}
	if r.Evidence.Algorithm, err = str(dg, "alg", "evidence.digest"); err != nil {
		return nil, err
	}
	n := digestLen(r.Evidence.Algorithm)
	if n == 0 {
		return nil, badInput("evidence.digest.alg", "not sha256, sha384 or sha512")
	}
	if r.Evidence.Digest, err = hexField(dg, "hex", "evidence.digest", n); err != nil {
		return nil, err
	}
	if err := r.Evidence.check(); err != nil {
		return nil, err
	}

	if r.LeafIndex, err = uintField(top, "leafIndex"); err != nil {
		return nil, err
	}
	if r.TreeSize, err = uintField(top, "treeSize"); err != nil {
		return nil, err
	}
	if r.TreeSize == 0 || r.TreeSize > MaxTreeSize {
		return nil, badInput("treeSize", "not between 1 and 2^40")
	}
	if r.LeafIndex >= r.TreeSize {
		return nil, badInput("leafIndex", "not below treeSize")
	}

	proof, err := array(top, "proof")
	if err != nil {
		return nil, err
	}
	if len(proof) > MaxProofLen {
		return nil, badInput("proof", "more than 64 hashes")
	}
	r.Proof = make([]Hash, len(proof))
	for i, p := range proof {
		h, err := hexValue(p, "proof["+strconv.Itoa(i)+"]", 32)
		if err != nil {
			return nil, err
		}
		r.Proof[i] = Hash(h)
	}
	root, err := hexField(top, "root", "", 32)
	if err != nil {
		return nil, err
	}
	r.Root = Hash(root)

	anchors, err := array(top, "anchors")
	if err != nil {
		return nil, err
	}
	if len(anchors) > MaxAnchors {
		return nil, badInput("anchors", "more than 64 entries")
	}
	r.Anchors = make([]Entry, len(anchors))
	for i, a := range anchors {
		e, err := parseEntry(a)
		if err != nil {
			fe := err.(*FormatError)
			fe.Field = "anchors[" + strconv.Itoa(i) + "]: " + fe.Field
			return nil, fe
		}
		r.Anchors[i] = e
	}
	return r, nil
}

// checkJSON refuses data that is not exactly one JSON value in UTF-8, is
// nested deeper than maxDepth, or has an object with a duplicate key.
func checkJSON(data []byte) error {
	if !utf8.Valid(data) {
		return badInput("JSON", "not UTF-8")
	}
	type frame struct {
		keys    map[string]struct{} // nil for an array
		wantKey bool
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	values := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return &FormatError{Field: "JSON", Reason: "not JSON", Err: err}
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if len(stack) == 0 {
			if values++; values > 1 {
				return badInput("JSON", "more than one value")
			}
		}
		if len(stack) > 0 {
			top := stack[len(stack)-1]
			if top.keys != nil {
				if top.wantKey {
					k := tok.(string)
					if _, dup := top.keys[k]; dup {
						return badInput("JSON", "duplicate key "+strconv.Quote(k))
					}
					top.keys[k] = struct{}{}
					top.wantKey = false
					continue
				}
				top.wantKey = true
			}
		}
		if d, ok := tok.(json.Delim); ok {
			if len(stack) >= maxDepth {
				return badInput("JSON", "nested too deep")
			}
			f := &frame{}
			if d == '{' {
				f.keys, f.wantKey = map[string]struct{}{}, true
			}
			stack = append(stack, f)
		}
	}
	if values != 1 {
		return badInput("JSON", "no value")
	}
	return nil
}

func unmarshalObject(data []byte, m *map[string]json.RawMessage, field string) error {
	data = bytes.TrimLeft(data, " \t\r\n")
	if len(data) == 0 || data[0] != '{' {
		return badInput(field, "not a JSON object")
	}
	if err := json.Unmarshal(data, m); err != nil {
		return &FormatError{Field: field, Reason: "not a JSON object", Err: err}
	}
	return nil
}

// exactly refuses an object whose members are not exactly names.
func exactly(m map[string]json.RawMessage, field string, names ...string) error {
	for _, n := range names {
		if _, ok := m[n]; !ok {
			return badInput(field, "member "+strconv.Quote(n)+" missing")
		}
	}
	if len(m) != len(names) {
		for k := range m {
			if !slices.Contains(names, k) {
				return badInput(field, "unknown member "+strconv.Quote(k))
			}
		}
	}
	return nil
}

func join(field, name string) string {
	if field == "" {
		return name
	}
	return field + "." + name
}

func str(m map[string]json.RawMessage, name, field string) (string, error) {
	raw, ok := m[name]
	if !ok {
		return "", badInput(join(field, name), "missing")
	}
	if len(raw) == 0 || raw[0] != '"' {
		return "", badInput(join(field, name), "not a string")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", &FormatError{Field: join(field, name), Reason: "not a string", Err: err}
	}
	return s, nil
}

func hexField(m map[string]json.RawMessage, name, field string, n int) ([]byte, error) {
	return hexValue(m[name], join(field, name), n)
}

func hexValue(raw json.RawMessage, field string, n int) ([]byte, error) {
	if len(raw) != 2*n+2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, badInput(field, "not "+strconv.Itoa(2*n)+" lowercase hex digits")
	}
	for _, c := range raw[1 : len(raw)-1] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return nil, badInput(field, "not "+strconv.Itoa(2*n)+" lowercase hex digits")
		}
	}
	b := make([]byte, n)
	if _, err := hex.Decode(b, raw[1:len(raw)-1]); err != nil {
		return nil, &FormatError{Field: field, Reason: "not hex", Err: err}
	}
	return b, nil
}

func uintField(m map[string]json.RawMessage, name string) (uint64, error) {
	raw := m[name]
	if len(raw) == 0 || len(raw) > 16 || (raw[0] == '0' && len(raw) > 1) {
		return 0, badInput(name, "not an integer between 0 and 2^40")
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, badInput(name, "not an integer between 0 and 2^40")
		}
	}
	v, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil {
		return 0, &FormatError{Field: name, Reason: "not an integer", Err: err}
	}
	return v, nil
}

func array(m map[string]json.RawMessage, name string) ([]json.RawMessage, error) {
	raw := m[name]
	if len(raw) == 0 || raw[0] != '[' {
		return nil, badInput(name, "not an array")
	}
	var a []json.RawMessage
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, &FormatError{Field: name, Reason: "not an array", Err: err}
	}
	return a, nil
}

// exactNames refuses an object with a member whose name is not exactly
// the JSON name of a field of the struct v points to.
func exactNames(raw []byte, v any) error {
	rt := reflect.TypeOf(v)
	if rt == nil || rt.Kind() != reflect.Pointer || rt.Elem().Kind() != reflect.Struct {
		return badInput("Decode", "not a pointer to a struct")
	}
	rt = rt.Elem()
	names := make(map[string]bool, rt.NumField())
	for i := range rt.NumField() {
		f := rt.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names[name] = true
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return &FormatError{Field: "anchor entry", Reason: "not a JSON object", Err: err}
	}
	for k := range m {
		if !names[k] {
			return badInput("anchor entry", "unknown member "+strconv.Quote(k))
		}
	}
	return nil
}
