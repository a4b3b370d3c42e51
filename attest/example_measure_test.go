package attest_test

import (
	"fmt"
	"strings"

	"github.com/ats-run/selfattest/attest"
)

func ExampleMeasure() {
	d, err := attest.Measure(strings.NewReader("hello\n"))
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Size)
	fmt.Println(d.Hex(attest.SHA256))
	fmt.Println(d.SRI(attest.SHA384))
	name, _ := attest.ContentName("kms.mjs", "1.0.1", d)
	fmt.Println(name)
	// Output:
	// 6
	// 5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03
	// sha384-HQ8oTv4+3qS5yjvVFPoTSxfq42HMx6Hu/v+AG5vWYE4B8h9r8knvAwWZ8MIY8rqM
	// kms-v1.0.1-5891b5b5.mjs
}
