package sigstoreroot

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/ats-run/selfattest/verify/tlog"
)

// LogKey returns the log key of one transparency log entry of a Sigstore
// trusted root. The signature name is the host name of its base URL
// (scheme, port and path are ignored, as Rekor does); its validity window
// is the entry's. It is a [*tlog.PolicyError] if the entry's log ID is set
// and is not the ID Rekor computes for this key and name (a root that files
// a key under another ID is not one this package will guess about), or if
// the log's tree hash is not SHA-256.
func LogKey(tl *root.TransparencyLog) (*tlog.LogKey, error) {
	if tl == nil {
		return nil, &tlog.PolicyError{Reason: "nil transparency log"}
	}
	u, err := url.Parse(tl.BaseURL)
	if err != nil || u.Hostname() == "" {
		return nil, &tlog.PolicyError{Reason: fmt.Sprintf("transparency log base URL %q has no host name", tl.BaseURL)}
	}
	if tl.HashFunc != crypto.SHA256 {
		return nil, &tlog.PolicyError{Reason: fmt.Sprintf("transparency log %s: tree hash %v is not SHA-256", tl.BaseURL, tl.HashFunc)}
	}
	k, err := tlog.NewLogKey(u.Hostname(), tl.PublicKey)
	if err != nil {
		return nil, err
	}
	if id := k.LogID(); len(tl.ID) > 0 && !bytes.Equal(tl.ID, id) {
		return nil, &tlog.PolicyError{Reason: fmt.Sprintf("transparency log %s: log ID %s is not the key's ID %s",
			tl.BaseURL, hex.EncodeToString(tl.ID), hex.EncodeToString(id))}
	}
	return k.WithValidity(tl.ValidityPeriodStart, tl.ValidityPeriodEnd), nil
}

// LogKeys returns the log keys of every Rekor log of a Sigstore trusted
// root, ordered by log ID. It fails if any of them cannot be used, rather
// than dropping it silently.
func LogKeys(tm root.TrustedMaterial) ([]*tlog.LogKey, error) {
	if tm == nil {
		return nil, &tlog.PolicyError{Reason: "nil trusted material"}
	}
	logs := tm.RekorLogs()
	ids := make([]string, 0, len(logs))
	for id := range logs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	keys := make([]*tlog.LogKey, 0, len(ids))
	for _, id := range ids {
		k, err := LogKey(logs[id])
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}
