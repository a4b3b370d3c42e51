package verify

import (
	"context"
	"io"

	"github.com/ats-run/selfattest/internal/fetch"
)

// Fetch writes the body the server returns for rawURL to w, under the
// rules of every fetch this package makes (see [FetchOptions]): https, or
// plain http only to a loopback host unless InsecureAllowHTTP; redirects
// held to the same rule; at most MaxBytes (256 MiB when 0); one time
// limit for the whole exchange; the whole body and nothing but a 200 OK.
// It is for the small documents a verifier reads whole, such as a
// Sigstore bundle published beside a release: pass the document's own
// limit in MaxBytes.
//
// The error wraps ErrBadInput for a URL the rules refuse before anything
// is sent (another scheme, plain http to a public host), and
// ErrCouldNotCheck for anything else (network, time-out, HTTP status, a
// refused redirect, a body over the limit or cut short); w may then hold
// part of a body, which the caller must discard.
func Fetch(ctx context.Context, rawURL string, w io.Writer, opts FetchOptions) (FetchInfo, error) {
	info, err := fetch.Get(ctx, rawURL, w, opts.forURL(rawURL))
	if err != nil {
		return info, classifyFetch(err)
	}
	return info, nil
}
