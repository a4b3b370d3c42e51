// Package signing signs in-toto statements and artifacts into Sigstore
// bundles (v0.3), with sigstore-go v1.3.0's sign package underneath.
//
//	key, err := signing.ParseKey(pemBytes) // PKCS#8 ECDSA P-256 or Ed25519
//	if err != nil { ... }
//	rekor, err := signing.NewRekor("https://log2025-1.rekor.sigstore.dev", 2, signing.ServiceOptions{})
//	if err != nil { ... }
//	b, err := signing.Statement(ctx, st, signing.Options{
//		Key:                  key,
//		TransparencyLogs:     []sign.Transparency{rekor},
//		TimestampAuthorities: []*sign.TimestampAuthority{signing.NewTimestampAuthority(tsaURL, signing.ServiceOptions{})},
//	})
//
// # Signers
//
// Exactly one of a key ([Options].Key: [ParseKey], [NewKey]) or keyless
// ([Options].Keyless: a throwaway ECDSA P-256 key certified by Fulcio
// through sigstore-go's sign.NewFulcio, with an OIDC token from a
// [TokenSource]). In GitHub Actions, [GitHubActions] fetches the ambient
// token with audience "sigstore" from ACTIONS_ID_TOKEN_REQUEST_URL with
// ACTIONS_ID_TOKEN_REQUEST_TOKEN; the environment is passed in, never read
// behind the caller's back. Ed25519 keys sign pre-hashed (Ed25519ph over
// SHA-512): Rekor v2 accepts nothing else for hashedrekord, and a DSSE
// envelope is logged there as a hashedrekord over its pre-authentication
// encoding.
//
// # Services
//
// Transparency logs are any sigstore-go sign.Transparency: [NewRekor] (v1
// or v2, with our bounded HTTP client), or a local log — the nested module
// github.com/ats-run/selfattest/anchor/tlog has one over a tessera POSIX
// log, so this module never links tessera's storage; the examples wire the
// two together. Timestamp authorities are RFC 3161 ([NewTimestampAuthority]).
// [SelectServices] picks Fulcio, Rekor and timestamp authorities from a
// Sigstore signing config (sigstore-go's root.SigningConfig) by the API
// versions this package speaks. At least one log is required unless
// [Options].WithoutTransparencyLogUnsafe is set.
//
// Every service's answers are bounded, whichever client reads them
// (ours, rekor's generated v1 client, sigstore-go's Fulcio and timestamp
// clients): no redirect is followed, an answer longer than
// [MaxServiceResponseSize] fails the request, and a [*ServiceError] quotes
// at most 1 KiB of a cause, control characters removed, since a service
// chooses what its error bodies say.
//
// # Trusted time
//
// A Rekor v2 or local-log entry carries no integrated time, and package
// verify's strict verifier requires a trusted time: sign with a timestamp
// authority too, and name it in the trusted root the verifier uses
// (anchor/tlog's TrustedRoot builds one for a local log).
//
// # Errors
//
// Every error wraps [ErrSign]. One that also wraps attest.ErrBadInput came
// from the caller's input (a key, a token variable, options) and retrying
// will not help; a [*ServiceError] names the service that failed or
// refused (Fulcio, a transparency log, a timestamp authority, the token
// endpoint).
//
// # What it does not do
//
// It does not verify what it signed (package verify/sigstore does), read the
// clock for anything but the signing config's validity windows, or keep
// keys: a key is the caller's. A statement signed with an Ed25519 key
// cannot go to a Rekor v1 log: Ed25519 signs pre-hashed here (what Rekor
// v2 demands), and Rekor v1's dsse type checks envelope signatures as
// pure Ed25519; use an ECDSA P-256 key with Rekor v1, or Rekor v2
// (TestSignRekorV1Ed25519 records the refusal).
package signing
