// Package localtsa is an RFC 3161 timestamp authority with its own key,
// served on 127.0.0.1: the trusted time of an offline release, beside the
// local transparency log, and of the tests.
//
// A Rekor v2 or local-log entry carries no integrated time, and package
// verify demands a trusted time. Offline, the only clock is the signer's:
// an [Authority] signs that clock's time, with a key whose certificate
// chain (a signing certificate with the critical time-stamping extended
// key usage RFC 3161 §2.3 requires, and the root that issued it) the
// verifier's trusted root names. It is as trustworthy as the machine that
// holds its key — the same trust as the local log's — and no more.
//
// Responses are made as sigstore's timestamp-authority makes them
// (github.com/digitorus/timestamp: SHA-256, accuracy 1s, the request's
// nonce echoed, the certificate included on request).
//
// # Keeping an authority
//
// [LoadOrCreate] keeps an authority in one file (its key and chain as
// [Authority.MarshalPEM] writes them), created on first use with mode 0600
// and read back bounded by [MaxFileSize] (on unix, refused as ssh refuses
// a key if group or others may read it):
//
//	a, created, err := localtsa.LoadOrCreate(path, "my log timestamps", time.Now())
//	url, stop, err := a.Serve(ctx, time.Now) // sign with url
//	defer stop()
//	tsa := a.TrustedAuthority("http://127.0.0.1" + localtsa.Path) // name it in a trusted root
//
// # Errors
//
// A file or PEM that is not an authority wraps [ErrInvalid]; a file that
// cannot be read or written for another reason (permissions, disk) does not.
//
// # What it does not do
//
// It does not protect its key beyond the file's mode, rotate, or keep
// any record of what it signed; it serves only 127.0.0.1.
package localtsa
