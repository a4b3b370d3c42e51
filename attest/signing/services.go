package signing

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/go-openapi/runtime"
	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	rekortilespb "github.com/sigstore/rekor-tiles/v2/pkg/generated/protobuf"
	rekorclient "github.com/sigstore/rekor/pkg/generated/client"
	"github.com/sigstore/rekor/pkg/generated/client/entries"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/types"
	rekorutil "github.com/sigstore/rekor/pkg/util"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/transparency-dev/merkle/rfc6962"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ats-run/selfattest/internal/fetch"
)

// MaxRekorResponseSize is the largest answer read from a Rekor v2 write
// API, as rekor-tiles' own client limits it.
const MaxRekorResponseSize = 10 << 20

// RekorV2EntriesPath is where a Rekor v2 log takes new entries, below its
// base URL.
const RekorV2EntriesPath = "/api/v2/log/entries"

// A RekorLog is a Rekor transparency log, v1 or v2, for
// [Options].TransparencyLogs. It is sigstore-go's sign.Rekor, which
// builds the entry (hashedrekord or dsse on v1; always hashedrekord on v2,
// over the DSSE pre-authentication encoding for a statement), with an HTTP
// client that honours [ServiceOptions] and follows no redirect.
type RekorLog struct {
	url     string
	version uint32
	rekor   *sign.Rekor
}

// NewRekor returns the Rekor log at baseURL ("https://rekor.sigstore.dev"
// for v1, "https://log2025-1.rekor.sigstore.dev" for a v2 shard) speaking
// API version 1 or 2. Rekor v2 accepts only ECDSA and Ed25519ph keys (see
// [Key]) and gives no integrated time: ask a timestamp authority as
// well. A bad URL or version wraps [attest.ErrBadInput]; so does plain
// http to a host other than loopback (anyone on the path could change
// what is logged and what is answered).
func NewRekor(baseURL string, version uint32, opts ServiceOptions) (*RekorLog, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, badSignInput("rekor URL %q: want http(s)://host[/path]", baseURL)
	}
	if err := fetch.CheckURL(baseURL, false); err != nil {
		return nil, badSignInput("rekor URL: %w", err)
	}
	r := &RekorLog{url: strings.TrimSuffix(baseURL, "/"), version: version}
	switch version {
	case 1:
		path := u.Path
		if path == "" {
			path = rekorclient.DefaultBasePath
		}
		rt := httptransport.NewWithClient(u.Host, path, []string{u.Scheme}, opts.client())
		rt.Consumers["application/json"] = runtime.JSONConsumer()
		rt.Consumers["application/x-pem-file"] = runtime.TextConsumer()
		rt.Producers["application/json"] = runtime.JSONProducer()
		formats := strfmt.NewFormats()
		formats.Add("signedCheckpoint", &rekorutil.SignedNote{}, rekorutil.SignedCheckpointValidator)
		r.rekor = sign.NewRekor(&sign.RekorOptions{BaseURL: r.url, Version: 1, Timeout: opts.timeout(), Client: checkedRekorV1{RekorClient: rekorclient.New(rt, formats).Entries, conflicts: new(sync.Map)}})
	case 2:
		r.rekor = sign.NewRekor(&sign.RekorOptions{BaseURL: r.url, Version: 2, Timeout: opts.timeout(), ClientV2: &rekorV2Writer{url: r.url + RekorV2EntriesPath, client: opts.client()}})
	default:
		return nil, badSignInput("rekor API version %d: want 1 or 2", version)
	}
	return r, nil
}

// URL returns the log's base URL.
func (r *RekorLog) URL() string { return r.url }

// Version returns the log's API version, 1 or 2.
func (r *RekorLog) Version() uint32 { return r.version }

// GetTransparencyLogEntry logs the bundle's signature and adds the entry
// to the bundle (sign.Transparency).
func (r *RekorLog) GetTransparencyLogEntry(ctx context.Context, keyOrCertPEM []byte, b *protobundle.Bundle) error {
	return r.rekor.GetTransparencyLogEntry(ctx, keyOrCertPEM, b)
}

// checkedRekorV1 is sigstore-go's sign.RekorClient over rekor's generated
// v1 client, refusing an answer whose entry lacks a field: sigstore-go
// v1.3.0 turns the entry into a bundle entry with rekor's
// tle.GenerateTransparencyLogEntry, which dereferences every field and
// would panic on a log's malformed answer (an entry missing under the
// answer's ETag, or without its inclusion proof).
//
// It also holds the log to the entry we asked for when the log says it
// has it already (409: a signature made again, as Ed25519 makes it, when
// a job is retried). sigstore-go then fetches the entry the answer's
// Location names and puts whatever comes back in the bundle; here the
// Location must name our entry's leaf (the leaf hash of the entry as
// rekor's own types canonicalize it) and the entry fetched must be that
// leaf.
type checkedRekorV1 struct {
	sign.RekorClient
	conflicts *sync.Map // UUID named by a 409 → our canonicalized entry
}

func (c checkedRekorV1) CreateLogEntry(params *entries.CreateLogEntryParams, opts ...entries.ClientOption) (*entries.CreateLogEntryCreated, error) {
	resp, err := c.RekorClient.CreateLogEntry(params, opts...)
	var conflict *entries.CreateLogEntryConflict
	if errors.As(err, &conflict) {
		ours, cerr := canonicalEntry(params)
		if cerr != nil {
			return nil, fmt.Errorf("the log says it holds our entry already, and ours does not canonicalize: %w", cerr)
		}
		uuid := path.Base(conflict.Location.String())
		if !namesLeaf(uuid, ours) {
			return nil, fmt.Errorf("the log says it holds our entry already, as %q, which is not our entry's leaf %x", uuid, rfc6962.DefaultHasher.HashLeaf(ours))
		}
		c.conflicts.Store(uuid, ours)
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	e, ok := resp.Payload[resp.ETag]
	if !ok {
		return nil, fmt.Errorf("the answer has no entry under its ETag %q", resp.ETag)
	}
	if err := checkRekorV1Entry(e); err != nil {
		return nil, err
	}
	return resp, nil
}

func (c checkedRekorV1) GetLogEntryByUUID(params *entries.GetLogEntryByUUIDParams, opts ...entries.ClientOption) (*entries.GetLogEntryByUUIDOK, error) {
	v, ok := c.conflicts.LoadAndDelete(params.EntryUUID)
	if !ok {
		return nil, fmt.Errorf("asked for entry %q, which no 409 of this log named", params.EntryUUID)
	}
	ours := v.([]byte)
	resp, err := c.RekorClient.GetLogEntryByUUID(params, opts...)
	if err != nil {
		return nil, err
	}
	if len(resp.Payload) != 1 {
		return nil, fmt.Errorf("the answer holds %d entries, want 1", len(resp.Payload))
	}
	for uuid, e := range resp.Payload {
		if err := checkRekorV1Entry(e); err != nil {
			return nil, err
		}
		b64, _ := e.Body.(string)
		body, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || !bytes.Equal(body, ours) || !namesLeaf(uuid, ours) {
			return nil, fmt.Errorf("the log answered entry %q with another entry than ours", params.EntryUUID)
		}
	}
	return resp, nil
}

// canonicalEntry is the entry Rekor v1 logs for a proposed entry: rekor's
// own types check it and canonicalize it, as a Rekor server does.
func canonicalEntry(params *entries.CreateLogEntryParams) ([]byte, error) {
	ctx := params.Context
	if ctx == nil {
		ctx = context.Background()
	}
	entry, err := types.CreateVersionedEntry(params.ProposedEntry)
	if err != nil {
		return nil, err
	}
	return types.CanonicalizeEntry(ctx, entry)
}

// namesLeaf reports whether a Rekor v1 UUID (the leaf hash, after 16 hex
// of tree ID or not) names leaf.
func namesLeaf(uuid string, leaf []byte) bool {
	h := hex.EncodeToString(rfc6962.DefaultHasher.HashLeaf(leaf))
	return uuid == h || (len(uuid) == 16+len(h) && strings.HasSuffix(uuid, h) && isHex(uuid[:16]))
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// checkRekorV1Entry checks that a Rekor v1 entry has every field the
// swagger schema requires, and an inclusion proof.
func checkRekorV1Entry(e models.LogEntryAnon) error {
	if err := e.Validate(strfmt.Default); err != nil {
		return fmt.Errorf("the log entry in the answer: %w", err)
	}
	if e.Verification == nil || e.Verification.InclusionProof == nil {
		return errors.New("the log entry in the answer has no inclusion proof")
	}
	return nil
}

// rekorV2Writer is sigstore-go's sign.RekorV2Client over an HTTP client
// of ours: it speaks the protocol of rekor-tiles' pkg/client/write (POST a
// CreateEntryRequest in protojson, 201 with a TransparencyLogEntry), which
// has no way to take a transport.
type rekorV2Writer struct {
	url    string
	client *http.Client
}

func (w *rekorV2Writer) Add(ctx context.Context, entry any) (*protorekor.TransparencyLogEntry, error) {
	hr, ok := entry.(*rekortilespb.HashedRekordRequestV002)
	if !ok {
		return nil, fmt.Errorf("rekor v2 takes only hashedrekord entries, not %T", entry)
	}
	payload, err := protojson.Marshal(&rekortilespb.CreateEntryRequest{Spec: &rekortilespb.CreateEntryRequest_HashedRekordRequestV002{HashedRekordRequestV002: hr}})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxRekorResponseSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if len(body) > MaxRekorResponseSize {
		return nil, fmt.Errorf("answer of more than %d bytes", MaxRekorResponseSize)
	}
	switch resp.StatusCode {
	case http.StatusCreated:
	case http.StatusConflict:
		return nil, fmt.Errorf("409: the log already holds this signature at index %q (sign again: a new signature is a new entry)", resp.Header.Get("X-Log-Index"))
	default:
		return nil, fmt.Errorf("status %d: %s", resp.StatusCode, excerpt(body))
	}
	tle := new(protorekor.TransparencyLogEntry)
	if err := protojson.Unmarshal(body, tle); err != nil {
		return nil, fmt.Errorf("the answer is not a transparency log entry: %w", err)
	}
	return tle, nil
}

// excerpt returns the start of an error body, printable.
func excerpt(b []byte) string {
	return printable(string(b[:min(len(b), 1024)]), 200)
}

// Services are the services [SelectServices] chose from a signing config,
// ready for [Options] and [Keyless].
type Services struct {
	// FulcioURL is the certificate authority for keyless signing; "" when
	// the config names none valid now.
	FulcioURL string
	// TransparencyLogs are the Rekor logs chosen ([*RekorLog]).
	TransparencyLogs []sign.Transparency
	// TimestampAuthorities are the timestamp authorities chosen; none
	// when the config names none.
	TimestampAuthorities []*sign.TimestampAuthority
	// Chosen lists every service chosen, for the record.
	Chosen []root.Service
}

// SelectServices chooses the services of a Sigstore signing config
// (sigstore-go's root.SigningConfig, media type v0.2, e.g. read with
// root.NewSigningConfigFromJSON) valid at now, as sigstore-go and cosign
// choose them: the newest Fulcio with an API version sigstore-go speaks
// (root.SelectService with sign.FulcioAPIVersions); the Rekor logs of the
// highest API version supported (1 or 2) by the config's selector (ALL,
// ANY, EXACT n; root.SelectServices); the same for timestamp authorities.
// A config with no Rekor log valid at now, with no selector for the logs
// (or for the timestamp authorities it lists), or whose selector cannot be
// met, wraps [attest.ErrBadInput]. Every HTTP client made uses opts.
func SelectServices(sc *root.SigningConfig, now time.Time, opts ServiceOptions) (*Services, error) {
	if sc == nil {
		return nil, badSignInput("no signing config")
	}
	if now.IsZero() {
		return nil, badSignInput("SelectServices: zero time")
	}
	// sigstore-go v1.3.0's RekorLogURLsConfig and
	// TimestampAuthorityURLsConfig dereference a selector the config does
	// not have: read the selectors from the config's protobuf form.
	j, err := sc.MarshalJSON()
	if err != nil {
		return nil, badSignInput("signing config: %w", err)
	}
	pb, err := root.NewSigningConfigProtobuf(j)
	if err != nil {
		return nil, badSignInput("signing config: %w", err)
	}
	s := new(Services)
	if cas := sc.FulcioCertificateAuthorityURLs(); len(cas) > 0 {
		if ca, err := root.SelectService(cas, sign.FulcioAPIVersions, now); err == nil {
			s.FulcioURL = ca.URL
			s.Chosen = append(s.Chosen, ca)
		}
	}
	lc := pb.GetRekorTlogConfig()
	if lc == nil {
		return nil, badSignInput("signing config: no rekorTlogConfig (the selector of rekor logs)")
	}
	logs, err := root.SelectServices(sc.RekorLogURLs(), root.ServiceConfiguration{Selector: lc.GetSelector(), Count: lc.GetCount()}, sign.RekorAPIVersions, now)
	if err != nil {
		return nil, badSignInput("signing config: rekor logs: %w", err)
	}
	for _, l := range logs {
		r, err := NewRekor(l.URL, l.MajorAPIVersion, opts)
		if err != nil {
			return nil, err
		}
		s.TransparencyLogs = append(s.TransparencyLogs, r)
		s.Chosen = append(s.Chosen, l)
	}
	if tsas := sc.TimestampAuthorityURLs(); len(tsas) > 0 {
		tc := pb.GetTsaConfig()
		if tc == nil {
			return nil, badSignInput("signing config: no tsaConfig (the selector of timestamp authorities)")
		}
		chosen, err := root.SelectServices(tsas, root.ServiceConfiguration{Selector: tc.GetSelector(), Count: tc.GetCount()}, sign.TimestampAuthorityAPIVersions, now)
		if err != nil {
			return nil, badSignInput("signing config: timestamp authorities: %w", err)
		}
		for _, t := range chosen {
			s.TimestampAuthorities = append(s.TimestampAuthorities, NewTimestampAuthority(t.URL, opts))
			s.Chosen = append(s.Chosen, t)
		}
	}
	return s, nil
}
