package intoto_test

import (
	"fmt"
	"log"
	"os"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/intoto"
)

// A verifier states what it saw about a file, as a verification-report
// statement, and reads it back.
func ExampleNewStatement() {
	report := []byte(`{"schema":"` + intoto.ReportSchemaV1 + `","verdict":"pass"}`)
	st, err := intoto.NewStatement(intoto.VerificationReport{Report: report},
		intoto.Subject{Name: "kms.mjs", Digests: attest.MeasureBytes([]byte("hello\n"))})
	if err != nil {
		log.Fatal(err)
	}
	b, err := intoto.MarshalStatement(st)
	if err != nil {
		log.Fatal(err)
	}
	os.Stdout.Write(b)

	back, err := intoto.ParseStatement(b)
	if err != nil {
		log.Fatal(err)
	}
	vr, err := intoto.ParseVerificationReport(back)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", vr.Report)
	// Output:
	// {
	//   "_type": "https://in-toto.io/Statement/v1",
	//   "subject": [
	//     {
	//       "name": "kms.mjs",
	//       "digest": {
	//         "sha256": "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
	//         "sha512": "e7c22b994c59d9cf2b48e549b1e24666636045930d3da7c1acb299d1c3b7f931f94aae41edda2c2b207a36e10f8bcb8d45223e54878f5b316e7ce3b6bc019629"
	//       }
	//     }
	//   ],
	//   "predicateType": "https://github.com/ats-run/selfattest/predicate/verification-report/v1",
	//   "predicate": {
	//     "schema": "https://github.com/ats-run/selfattest/report/v1",
	//     "verdict": "pass"
	//   }
	// }
	// {
	//   "schema": "https://github.com/ats-run/selfattest/report/v1",
	//   "verdict": "pass"
	// }
}
