package attest_test

import (
	"errors"
	"fmt"

	"github.com/ats-run/selfattest/attest"
)

// The digests in these examples are the ones the W3C SRI specification
// prints for a script holding alert('Hello, world.');, and were checked
// with: printf '%s' "<script>" | openssl dgst -sha384 -binary | base64

func ExampleParseIntegrity() {
	m := attest.ParseIntegrity(`
		sha384-H8BRh8j48O9oYatfu5AZzq6A9RINhZO5H16dQZngK7T62em8MUt1FLm52t+eX6xO
		sha512-Q2bFTOhEALkN8hOms2FKTDLy7eugP2zFZ1T8LCvX42Fp3WoNr3bjZSAHeOsHrbV1Fu9/A0EzCinRE7Af1ofPrw==?ct=application/javascript
		sha1-hF4UfpMQEqy4Ij7zRyKHsBpVS28= SHA256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng= sha384-H8BRh8j48O9oYatfu5AZ`)
	for _, t := range m.Tokens {
		fmt.Printf("use %s options=%q\n", t.Algorithm, t.Options)
	}
	for _, ig := range m.Ignored {
		fmt.Printf("ignore %.20s…: %s\n", ig.Token, ig.Reason)
	}
	fmt.Println("strongest:", m.Strongest()[0].Algorithm)
	// Output:
	// use sha384 options=""
	// use sha512 options="ct=application/javascript"
	// ignore sha1-hF4UfpMQEqy4Ij7…: unknown algorithm
	// ignore SHA256-qznLcsROx4GAC…: algorithm not spelled sha256, sha384 or sha512
	// ignore sha384-H8BRh8j48O9oY…: wrong digest length for algorithm
	// strongest: sha512
}

func ExampleIntegrity_Match() {
	m := attest.ParseIntegrity("sha384-H8BRh8j48O9oYatfu5AZzq6A9RINhZO5H16dQZngK7T62em8MUt1FLm52t+eX6xO " +
		"sha512-Q2bFTOhEALkN8hOms2FKTDLy7eugP2zFZ1T8LCvX42Fp3WoNr3bjZSAHeOsHrbV1Fu9/A0EzCinRE7Af1ofPrw==")

	fmt.Println(m.Match(attest.MeasureBytes([]byte("alert('Hello, world.');"))))

	err := m.Match(attest.MeasureBytes([]byte("alert('Hello, world!');")))
	var mismatch *attest.IntegrityMismatchError
	if errors.As(err, &mismatch) {
		fmt.Println("compared:", mismatch.Algorithm)
		fmt.Println("expected:", mismatch.Expected)
		fmt.Println("actual:  ", mismatch.Actual)
	}

	// Only tokens a browser would ignore: never a match.
	err = attest.ParseIntegrity("sha1-hF4UfpMQEqy4Ij7zRyKHsBpVS28=").Match(attest.MeasureBytes(nil))
	fmt.Println(errors.Is(err, attest.ErrNoIntegrity))
	// Output:
	// <nil>
	// compared: sha512
	// expected: [sha512-Q2bFTOhEALkN8hOms2FKTDLy7eugP2zFZ1T8LCvX42Fp3WoNr3bjZSAHeOsHrbV1Fu9/A0EzCinRE7Af1ofPrw==]
	// actual:   sha512-SL6kQgGlF63DEBrCEVYISIUZ5dM4z06uuNgwk8szV4k/E8EKV4Z6jOajRqImlNp9Nxoz1/tUBqkfXlL+xGWAcA==
	// true
}

func ExampleFormatIntegrity() {
	d := attest.MeasureBytes([]byte("alert('Hello, world.');"))
	fmt.Println(attest.FormatIntegrity(d, attest.SHA384))
	// Output:
	// sha384-H8BRh8j48O9oYatfu5AZzq6A9RINhZO5H16dQZngK7T62em8MUt1FLm52t+eX6xO
}
