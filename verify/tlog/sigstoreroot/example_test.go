package sigstoreroot_test

import (
	"fmt"
	"log"
	"path/filepath"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/ats-run/selfattest/verify/tlog/sigstoreroot"
)

func ExampleLogKeys() {
	tr, err := root.NewTrustedRootFromPath(filepath.Join(conformance, "bundle-verify", "rekor2-dsse-happy-path", "trusted_root.json"))
	if err != nil {
		log.Fatal(err)
	}
	keys, err := sigstoreroot.LogKeys(tr)
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range keys {
		fmt.Println(k)
	}
	// Output:
	// log2025-alpha2.rekor.sigstage.dev+29f4a249
	// rekor.sigstage.dev+d32f30a3
	// log2025-alpha3.rekor.sigstage.dev+d3d3a70c
	// log2025-alpha1.rekor.sigstage.dev+f30d5a99
}
