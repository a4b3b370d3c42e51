package tlog_test

import (
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/sigstoreroot"
)

// A real Rekor v2 checkpoint (Sigstore staging), cosigned by three public
// witnesses: from the conformance case rekor2-dsse-happy-path.
const realCheckpoint = `log2025-alpha3.rekor.sigstage.dev
4026479
5iaX4xK6PMnp4ZFTP4iywMcwLgaTjzgRTkrTOUFIrfY=

— log2025-alpha3.rekor.sigstage.dev 09OnDHwVrKeXjBYQ4NJ5EoENdtpBwZcV3X8n+cAZFIk+8LBPKEpZcKqoN2CfjGw0zlQwt+U2pLt5UyYEFv+STPHPmQg=
— witness.stagemole.eu Z/euoAAAAABqBM+21mV7JbHwWmLP20ZSpNWneHMkITOPopt+Vj1MoJSILqOIPpx93pbRfA0U+Eq5IiJjEUhG1JwGhPCJEUT5yDcFDg==
— staging.witness.transparency.goog/ring-any-bells LhqNyQAAAABqBM+2Ob9EtpF9h6IUMXc/LTRkkXiNAgbbohBxHekby1oASdDtPLkgZLmBHH73DF25f2L8xGgp/qVwoZK5thKXc6XnCw==
— witness.navigli.sunlight.geomys.org o+AP4gAAAABqBM+2NoYlK4g3lkC5QltDB6f2F9U8yF6+8kXKjLKHAYvSDJ3u5dZufSU3bz+AtJMdOoMixoFJBkQ397WY/mE0i9tlCg==
`

func ExampleVerifyCheckpoint() {
	tr, err := root.NewTrustedRootFromPath("../../testdata/sigstore/conformance/bundle-verify/rekor2-dsse-happy-path/trusted_root.json")
	if err != nil {
		log.Fatal(err)
	}
	keys, err := sigstoreroot.LogKeys(tr)
	if err != nil {
		log.Fatal(err)
	}
	cp, err := tlog.VerifyCheckpoint([]byte(realCheckpoint), "log2025-alpha3.rekor.sigstage.dev", keys...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cp.Origin, cp.Size)
	fmt.Printf("log signature %s+%08x, %d lines left unverified\n", cp.Sigs[0].Name, cp.Sigs[0].Hash, len(cp.UnverifiedSigs))

	var witnesses []*tlog.WitnessKey
	for _, vkey := range []string{
		"witness.navigli.sunlight.geomys.org+a3e00fe2+BNy/co4C1Hn1p+INwJrfUlgz7W55dSZReusH/GhUhJ/G",
		"witness.stagemole.eu+67f7aea0+BEqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqklv",
		"staging.witness.transparency.goog/ring-any-bells+2e1a8dc9+BG5JTpLc3FJtwzgh1Uv+Qelz9qeOH2bfWjS1s0s+y4rL",
	} {
		k, err := tlog.ParseWitnessKey(vkey)
		if err != nil {
			log.Fatal(err)
		}
		witnesses = append(witnesses, k)
	}
	w, err := tlog.VerifyWitnesses(cp, tlog.WitnessPolicy{Keys: witnesses, Threshold: 2})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range w.Cosignatures {
		fmt.Println("cosigned by", c.Name, "at", c.Time.Format("2006-01-02 15:04:05"))
	}

	// One changed character in the tree size, and the log signature fails.
	_, err = tlog.VerifyCheckpoint([]byte(strings.Replace(realCheckpoint, "4026479", "4026480", 1)), "log2025-alpha3.rekor.sigstage.dev", keys...)
	var sigErr *tlog.SignatureError
	fmt.Println(errors.Is(err, tlog.ErrVerification), errors.As(err, &sigErr) && sigErr.Forged)
	// Output:
	// log2025-alpha3.rekor.sigstage.dev 4026479
	// log signature log2025-alpha3.rekor.sigstage.dev+d3d3a70c, 3 lines left unverified
	// cosigned by witness.stagemole.eu at 2026-05-13 19:23:34
	// cosigned by staging.witness.transparency.goog/ring-any-bells at 2026-05-13 19:23:34
	// cosigned by witness.navigli.sunlight.geomys.org at 2026-05-13 19:23:34
	// true true
}
