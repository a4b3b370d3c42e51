package ecfixed_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha512"
	"errors"
	"fmt"

	"github.com/ats-run/selfattest/internal/ecfixed"
)

func ExampleP384Verifier_VerifyASN1() {
	// In the verifier, the key is trusted material, such as a Fulcio
	// intermediate CA's key; here it is made on the spot.
	priv, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		panic(err)
	}
	digest := sha512.Sum384([]byte("the signed bytes"))
	sig, err := ecdsa.SignASN1(rand.Reader, priv, digest[:])
	if err != nil {
		panic(err)
	}

	// Once per key.
	v, err := ecfixed.NewP384Verifier(&priv.PublicKey)
	if err != nil {
		panic(err)
	}

	// For every signature.
	fmt.Println(v.VerifyASN1(digest[:], sig))
	other := sha512.Sum384([]byte("other bytes"))
	fmt.Println(v.VerifyASN1(other[:], sig))
	// Output:
	// true
	// false
}

func ExampleNewP384Verifier_invalidKey() {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	_, err = ecfixed.NewP384Verifier(&priv.PublicKey)
	fmt.Println(errors.Is(err, ecfixed.ErrInvalidKey))
	// Output:
	// true
}
