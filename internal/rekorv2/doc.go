// Package rekorv2 runs a real Rekor v2 server on 127.0.0.1 for tests.
//
// The server is rekor-tiles' POSIX back end,
// github.com/sigstore/rekor-tiles/v2/cmd/rekor-server/posix@v2.3.0, built
// outside the repository on first use ([Build]). It is not a fake: tests
// that use it sign to the same write API, and read the same signed
// checkpoints and C2SP tlog-tiles files, as clients of the public Rekor v2.
// The package links only the standard library and
// github.com/digitorus/timestamp (already linked by sigstore-go's verifier),
// so importing it from a test pulls no tessera storage into the build.
//
// A test starts a log, signs to [Server.URL] and verifies against the
// trusted root [Server.TrustedRootJSON] builds:
//
//	srv := rekorv2.Start(t, rekorv2.Options{})
//	tsa := rekorv2.StartTSA(t)
//	rekor := sign.NewRekor(&sign.RekorOptions{BaseURL: srv.URL, Version: 2})
//	// … sign.Bundle(content, keypair, sign.BundleOptions{TransparencyLogs: …})
//	tr, err := trust.FromJSON(srv.TrustedRootJSON(tsa.Root()))
//
// # Finding the server
//
// [Binary] looks for $SELFATTEST_REKOR_SERVER, then for the binary cached at
// ${XDG_CACHE_HOME:-$HOME/.cache}/selfattest/rekor-server/v2.3.0/posix.
// When there is none (and the variable is unset), [Start] builds it there
// with [Build] (go install from a scratch folder, under a lock so parallel
// test processes build it once) and says so in the test's log; it never
// skips. .ci/rekor-server.sh does the same by hand.
//
// # What runs
//
// [Start] generates an Ed25519 log key (PKCS#8 PEM, as the public Rekor v2
// uses), picks free loopback ports, and runs `posix serve` with every
// listener (HTTP, gRPC, metrics) on 127.0.0.1 and a short checkpoint
// interval, so a write returns after about [Options.CheckpointInterval]. It
// waits for GET /healthz to answer SERVING. The server answers 501 for the
// checkpoint and tiles, which it writes as files: [Server.TilesURL] serves
// [Server.StorageDir] read-only over HTTP, as a CDN in front of a real log
// would. t.Cleanup stops both, and logs the server's output when the test
// failed.
//
// # Naming the log in a trusted root
//
// sigstore-go matches a Rekor v2 entry to a trusted-root log by the
// hostname of its baseUrl, which must equal the checkpoint origin
// (--hostname), and by logId.keyId, which is [KeyID] of the origin and the
// key: for Ed25519 the C2SP signed-note key hash, SHA-256(origin ‖ "\n" ‖
// 0x01 ‖ key), whose first four bytes are the key hint of every checkpoint
// signature. The origin is therefore a host name with no port, under
// .invalid so that nothing could ever resolve it.
//
// # Timestamps
//
// Rekor v2 entries carry no integrated time, so a verifier that demands a
// trusted time needs an RFC 3161 timestamp. [StartTSA] runs an in-process
// timestamp authority on 127.0.0.1 that speaks RFC 3161 over HTTP (the
// protocol sigstore-go's sign.NewTimestampAuthority uses), signing with
// github.com/digitorus/timestamp as sigstore's timestamp-authority server
// does, under a certificate chain it generates; [TSA.Root] names it.
//
// # What it does not do
//
// It does not reach any address but 127.0.0.1, and builds trusted roots only good enough for
// tests: no certificate authorities or CT logs of its own.
package rekorv2
