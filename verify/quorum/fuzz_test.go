package quorum

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	intotov1 "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/verify/report"
)

// FuzzReportStatement: a verification-report statement (its JSON, the
// payload of a member's bundle) never panics parseVote, the parse
// Policy.read makes of a verified bundle's statement; an error wraps
// attest.ErrBadInput (the statement) or report.ErrInvalid (the report);
// a vote that parses has a known status, and its subjects' key does not
// depend on their order.
func FuzzReportStatement(f *testing.F) {
	for _, name := range []string{"pass.json"} {
		rep, err := os.ReadFile(filepath.Join("..", "report", "testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		data := statementJSON(f, rep)
		var st intotov1.Statement
		if err := protojson.Unmarshal(data, &st); err != nil {
			f.Fatal(err)
		}
		if _, err := parseVote("m", &st); err != nil {
			f.Fatalf("the seed %s does not parse: %v", name, err)
		}
		f.Add(data)
	}
	f.Add(statementJSON(f, []byte(`{}`)))
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var st intotov1.Statement
		if err := protojson.Unmarshal(data, &st); err != nil {
			return
		}
		v, err := parseVote("m", &st)
		if err != nil {
			if !errors.Is(err, attest.ErrBadInput) && !errors.Is(err, report.ErrInvalid) {
				t.Fatalf("error wraps neither attest.ErrBadInput nor report.ErrInvalid: %v", err)
			}
			return
		}
		if v.Member != "m" {
			t.Fatalf("vote of member %q", v.Member)
		}
		switch v.Status {
		case report.StatusPass, report.StatusFail, report.StatusError:
		default:
			t.Fatalf("vote with status %q", v.Status)
		}
		key := subjectsKey(v.Subjects)
		shuffled := append([]Subject(nil), v.Subjects...)
		rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if subjectsKey(shuffled) != key {
			t.Fatalf("subjects key depends on order: %v", v.Subjects)
		}
	})
}

func statementJSON(t testing.TB, reportJSON []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"index.html","digest":{"sha256":"aa"}},{"name":"app.js","digest":{"sha256":"bb","sha512":"cc"}}],"predicateType":"`)
	b.WriteString(intoto.VerificationReportV1)
	b.WriteString(`","predicate":`)
	b.Write(reportJSON)
	b.WriteString(`}`)
	var st intotov1.Statement
	if err := protojson.Unmarshal(b.Bytes(), &st); err != nil {
		t.Fatalf("seed statement: %v", err)
	}
	return b.Bytes()
}
