// Package anchortest holds the conformance suite every
// [github.com/ats-run/selfattest/anchor.Anchorer] passes, [Run], and an
// in-memory fake target, [Memory], for tests of code that anchors.
//
// # The conformance suite
//
// An implementation's test calls
//
//	func TestConformance(t *testing.T) {
//		a := eth.New(...) // against a simulated backend, or a node on loopback
//		anchortest.Run(t, a)
//	}
//
// [Run] runs subtests: an anchor is confirmed and then final; a second
// Anchor of a live root returns the same entry (the journal's crash
// recovery relies on it); a pending anchor is never reported confirmed
// and its entry does not verify offline (ErrPending); an entry checked
// against another root, or with any member altered ([Tamper]), is
// rejected (ErrAnchor); a cancelled context gives could-not-check
// promptly; a dropped anchor is reported failed and anchoring again makes
// a new one. A target that can be moved forward implements [Advancer]; one
// whose recent anchors tests can drop, [Dropper]; one that hands out its
// offline verifier, [VerifierProvider].
//
// # Crash tests
//
// [RunCrashChild] (unix) re-runs the test binary as a child that a test
// kills with SIGKILL at a chosen point or after a delay, so that a
// journal's recovery can be checked after every kind of crash; package
// anchor's and anchor/eth's crash tests share it.
//
// # The fake
//
// [Memory] is a ledger of blocks signed by an Ed25519 key. Its entries
// have kind "memory": pending, {"kind","target","id"}; complete, with
// "root", "block" and "sig" (base64 Ed25519 over
// "selfattest/anchor/memory/v1\n" target "\n" id "\n" block "\n" root
// "\n"), which [MemoryVerifier] checks offline. Knobs: [Memory.Mine],
// [Memory.Reorg], [Memory.DropRecent], [Memory.SetUnavailable]; with
// [MemoryOptions].StateFile its ledger survives the process, for crash
// tests.
package anchortest
