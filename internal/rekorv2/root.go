package rekorv2

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"time"
)

// TrustedRootMediaType is the media type of the trusted roots built here.
const TrustedRootMediaType = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"

// KeyID returns the log ID a Rekor v2 log with this origin and Ed25519 key
// has, as rekor-tiles' pkg/note.KeyHash computes it: the C2SP signed-note
// key hash SHA-256(origin ‖ "\n" ‖ 0x01 ‖ key). Its first four bytes are
// the key hint of the log's checkpoint signatures; the whole of it is
// logId.keyId in a trusted root. (For an ECDSA log key rekor-tiles uses
// the SHA-256 of the SPKI DER instead; the server here is always Ed25519.)
func KeyID(origin string, key ed25519.PublicKey) []byte {
	h := sha256.New()
	h.Write([]byte(origin))
	h.Write([]byte{'\n', 0x01})
	h.Write(key)
	return h.Sum(nil)
}

// Root is a trusted root in its JSON form (dev.sigstore.trustroot.v1
// TrustedRoot), one raw JSON object per entry, so that tests can put
// material together. [Root.JSON] marshals it.
type Root struct {
	Tlogs                  []json.RawMessage
	CertificateAuthorities []json.RawMessage
	Ctlogs                 []json.RawMessage
	TimestampAuthorities   []json.RawMessage
}

// Merge returns r with the entries of others appended.
func (r Root) Merge(others ...Root) Root {
	for _, o := range others {
		r.Tlogs = append(r.Tlogs, o.Tlogs...)
		r.CertificateAuthorities = append(r.CertificateAuthorities, o.CertificateAuthorities...)
		r.Ctlogs = append(r.Ctlogs, o.Ctlogs...)
		r.TimestampAuthorities = append(r.TimestampAuthorities, o.TimestampAuthorities...)
	}
	return r
}

// JSON returns the trusted root as JSON.
func (r Root) JSON() []byte {
	nonNil := func(x []json.RawMessage) []json.RawMessage {
		if x == nil {
			return []json.RawMessage{}
		}
		return x
	}
	b, err := json.Marshal(struct {
		MediaType              string            `json:"mediaType"`
		Tlogs                  []json.RawMessage `json:"tlogs"`
		CertificateAuthorities []json.RawMessage `json:"certificateAuthorities"`
		Ctlogs                 []json.RawMessage `json:"ctlogs"`
		TimestampAuthorities   []json.RawMessage `json:"timestampAuthorities"`
	}{TrustedRootMediaType, nonNil(r.Tlogs), nonNil(r.CertificateAuthorities), nonNil(r.Ctlogs), nonNil(r.TimestampAuthorities)})
	if err != nil {
		panic(err) // raw messages made by this package; only a bug gets here
	}
	return b
}

// TlogEntry returns the trusted-root tlogs entry for a Rekor v2 log with
// this origin and Ed25519 key whose key is valid from start: baseUrl
// https://ORIGIN (sigstore-go matches its hostname with the checkpoint
// origin), SHA2_256, the key's SPKI DER as PKIX_ED25519 and logId.keyId
// = [KeyID].
func TlogEntry(origin string, key ed25519.PublicKey, start time.Time) json.RawMessage {
	spki, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		panic(err) // an ed25519.PublicKey always marshals
	}
	type validFor struct {
		Start string `json:"start"`
	}
	b, err := json.Marshal(struct {
		BaseURL       string `json:"baseUrl"`
		HashAlgorithm string `json:"hashAlgorithm"`
		PublicKey     struct {
			RawBytes   []byte   `json:"rawBytes"`
			KeyDetails string   `json:"keyDetails"`
			ValidFor   validFor `json:"validFor"`
		} `json:"publicKey"`
		LogID struct {
			KeyID []byte `json:"keyId"`
		} `json:"logId"`
	}{
		BaseURL:       "https://" + origin,
		HashAlgorithm: "SHA2_256",
		PublicKey: struct {
			RawBytes   []byte   `json:"rawBytes"`
			KeyDetails string   `json:"keyDetails"`
			ValidFor   validFor `json:"validFor"`
		}{spki, "PKIX_ED25519", validFor{start.UTC().Format(time.RFC3339)}},
		LogID: struct {
			KeyID []byte `json:"keyId"`
		}{KeyID(origin, key)},
	})
	if err != nil {
		panic(err)
	}
	return b
}

// Root returns a trusted root naming only this log, its key valid from a
// minute before the server started.
func (s *Server) Root() Root {
	return Root{Tlogs: []json.RawMessage{TlogEntry(s.Origin, s.PublicKey, s.Started.Add(-time.Minute))}}
}

// TrustedRootJSON returns a trusted root naming this log (see
// [Server.Root]) and the entries of extra, such as [TSA.Root]. Parse it
// with trust.FromJSON.
func (s *Server) TrustedRootJSON(extra ...Root) []byte {
	return s.Root().Merge(extra...).JSON()
}
