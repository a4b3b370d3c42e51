package report

import (
	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/internal/inputname"
)

// NewSubject describes input (a path or a URL), measured as d, as a
// report's subject: its base name, size and digests, and its URI when it
// is a URL.
func NewSubject(input string, d attest.Digests) *Subject {
	s := &Subject{
		Name: inputname.Base(input),
		Size: d.Size,
		Digests: map[string]string{
			"sha256": d.Hex(attest.SHA256),
			"sha384": d.Hex(attest.SHA384),
			"sha512": d.Hex(attest.SHA512),
		},
	}
	if inputname.IsURL(input) {
		s.URI = input
	}
	return s
}

// NewArtifact describes input (a path or a URL) in the role it plays in a
// check: its base name, and its URI when it is a URL. Builders of reports
// outside this package (packages [github.com/ats-run/selfattest/verify]
// and [github.com/ats-run/selfattest/verify/sigstore]) name their
// artifacts with it.
func NewArtifact(role, input string) Artifact {
	a := Artifact{Role: role, Name: inputname.Base(input)}
	if inputname.IsURL(input) {
		a.URI = input
	}
	return a
}
