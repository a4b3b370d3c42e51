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

// parseVote is what [Policy.read] does with a statement once its bundle
// verified: the verification report it carries, then the report, then the
// subjects. (Verify reaches it only through a signed bundle; the fuzz
// feeds it the statement directly.)
func parseVote(st *intotov1.Statement) (*Vote, error) {
	vr, err := intoto.ParseVerificationReport(st)
	if err != nil {
		return nil, err
	}
	r, err := report.Parse(vr.Report)
	if err != nil {
		return nil, err
	}
	vote := &Vote{Member: "m", Status: r.Status, Subjects: []Subject{}}
	if r.Status != report.StatusPass {
		vote.Reason = r.Reason
	}
	for _, s := range st.GetSubject() {
		vote.Subjects = append(vote.Subjects, Subject{Name: s.GetName(), Digests: s.GetDigest()})
	}
	return vote, nil
}

// FuzzReportStatement: a verification-report statement (its JSON, the
// payload of a member's bundle) never panics the parsing; an error wraps
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
		if _, err := parseVote(&st); err != nil {
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
		v, err := parseVote(&st)
		if err != nil {
			if !errors.Is(err, attest.ErrBadInput) && !errors.Is(err, report.ErrInvalid) {
				t.Fatalf("error wraps neither attest.ErrBadInput nor report.ErrInvalid: %v", err)
			}
			return
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
