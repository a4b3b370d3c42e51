package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestWriteMarkdown(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := f.report().WriteMarkdown(&b); err != nil {
				t.Fatal(err)
			}
			diff(t, b.Bytes(), readFile(t, f.name+".md"))
		})
	}
}

// TestMarkdownFromJSON renders the hand-written JSON fixture and gets the
// seed document's job summary.
func TestMarkdownFromJSON(t *testing.T) {
	r, err := Parse(readFile(t, "pass.json"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	diff(t, b.Bytes(), readFile(t, "pass.md"))
}

// hostile tries every way a value could break out of its place in a
// rendering: end a table cell, start a row with a ✅, close a code span,
// inject HTML, a link, an image, an entity, an emoji code, a terminal
// escape, a carriage return, and Unicode that reorders or hides text.
const hostile = "x | ✅ |\n| **SHA-256** | `a` | `a` | ✅ |\n" +
	"`` <script>alert(1)</script> [click](javascript:alert(1)) ![i](https://evil.example/x.png) " +
	"&#9989; &#x2705; :white_check_mark: :+1: $\\checkmark$ www.evil.example https://evil.example/ " +
	"\x1b[2J\x1b[32m\x1b]8;;https://evil.example\x07\r✅ VERIFICATION PASSED\u202e\u200b\\|\\"

// hostileReport puts hostile into every string of a failing report.
func hostileReport() *Report {
	idx := int64(7)
	r := New(hostile)
	r.Reason = hostile
	r.Subject = &Subject{Name: hostile, URI: hostile, Digests: map[string]string{hostile: hostile, "sha256": hostile}, Size: 1}
	r.Details = Details{
		Timestamp:         hostile,
		VerifierVersion:   hostile,
		VerifierCommit:    hostile,
		VerifierCommitURL: "javascript:alert(1)",
		ReleaseTag:        hostile,
		WorkflowRun:       hostile,
		WorkflowRunURL:    "https://evil.example/)[x](javascript:alert(1)",
		Extra:             map[string]string{hostile: hostile, "k": hostile},
	}
	r.Add(Check{Group: GroupHashComparison, Name: hostile, Expected: hostile, Actual: hostile + "y", Verdict: VerdictFail, Detail: hostile})
	r.Add(Check{Group: GroupSubresource, Name: hostile, Expected: hostile, Actual: hostile, Verdict: VerdictFail, Detail: hostile})
	r.Add(Check{Group: hostile, Name: hostile, Expected: hostile, Actual: hostile, Verdict: VerdictError, Detail: hostile})
	r.Artifacts = []Artifact{
		{Role: hostile, Name: hostile, URI: hostile},
		{Role: "live url", URI: "javascript:alert(1)"},
		{Role: "bundle", Name: hostile, URI: "https://evil.example/a b"},
	}
	r.Sigstore = &Sigstore{Signature: VerdictFail, RekorLogIndex: &idx, RekorURL: hostile,
		CertificateIssuer: hostile, Identity: hostile, Detail: hostile}
	r.Finish()
	return r
}

// cells splits a table row into its cells as GFM does: on every "|" that
// is not backslash-escaped.
func cells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	var out []string
	var cur strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row):
			cur.WriteByte(row[i])
			cur.WriteByte(row[i+1])
			i++
		case row[i] == '|':
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(row[i])
		}
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		out = append(out, rest)
	}
	return out
}

// outsideCode returns line with its code spans removed, and whether its
// backticks pair up.
func outsideCode(line string) (string, bool) {
	parts := strings.Split(line, "`")
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 0 {
			b.WriteString(p)
		}
	}
	return b.String(), len(parts)%2 == 1
}

func TestMarkdownInjection(t *testing.T) {
	r := hostileReport()
	if r.Status != StatusFail {
		t.Fatalf("status %q", r.Status)
	}
	var b bytes.Buffer
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	t.Logf("rendering:\n%s", out)

	if n := strings.Count(out, "✅"); n != 0 {
		t.Errorf("%d ✅ in a report without a passing verdict", n)
	}
	for i, c := range out {
		if c < 0x20 && c != '\n' || c == 0x7f || c == '\u202e' || c == '\u200b' {
			t.Errorf("control or invisible character %U at byte %d", c, i)
		}
	}
	lines := strings.Split(out, "\n")
	var headings, statusLines []string
	var rows [][]string
	for n, line := range lines {
		rest, paired := outsideCode(line)
		if !paired {
			t.Errorf("line %d: unpaired backtick: %q", n+1, line)
		}
		for _, bad := range []string{"<", ">", "](", "![", "&", ":white_check_mark:", ":+1:", "$", "www.", "javascript:", "evil"} {
			if strings.Contains(rest, bad) {
				t.Errorf("line %d: %q outside code: %q", n+1, bad, line)
			}
		}
		switch {
		case strings.HasPrefix(line, "#"):
			headings = append(headings, line)
		case strings.HasPrefix(line, "|") && !strings.HasPrefix(line, "|-"):
			rows = append(rows, cells(line))
		}
		if strings.Contains(line, "**Status:**") {
			statusLines = append(statusLines, line)
		}
	}
	if len(statusLines) != 1 || statusLines[0] != "**Status:** ❌ FAIL" {
		t.Errorf("status lines %q", statusLines)
	}
	if len(headings) != 6 {
		t.Errorf("%d headings, want 6 (title, three groups, Sigstore, Artifacts): %q", len(headings), headings)
	}
	// Three tables: header row plus one row per check, each row as wide as
	// its header, and the verdict cells ours.
	wantRows := []struct {
		width   int
		verdict string
	}{
		{4, "Match"}, {4, "❌"},
		{5, "Result"}, {5, "❌"},
		{5, "Result"}, {5, "⚠️"},
	}
	if len(rows) != len(wantRows) {
		t.Fatalf("%d table rows, want %d: %q", len(rows), len(wantRows), rows)
	}
	for i, w := range wantRows {
		if len(rows[i]) != w.width || rows[i][3] != w.verdict {
			t.Errorf("row %d: %d cells, verdict %q; want %d, %q: %q", i, len(rows[i]), rows[i][3], w.width, w.verdict, rows[i])
		}
	}
}

func TestShorten(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"sha256 hex", seedSHA256, "7f8a9b0c3d4e5f6a..."},
		{"sri sha256", seedSRI, "sha256-f4OxZX/x/FO..."},
		{"sri sha384", sriApp, "sha384-oqVuAfXRKap..."},
		{"16 hex digits stay", "7f8a9b0c3d4e5f6a", "7f8a9b0c3d4e5f6a"},
		{"short sri stays", "sha256-abc", "sha256-abc"},
		{"size", "123456 bytes", "123456 bytes"},
		{"two sri tokens stay", sriApp + " " + sriStyle, sriApp + " " + sriStyle},
		{"unknown algorithm stays", "md5-" + strings.Repeat("A", 22), "md5-" + strings.Repeat("A", 22)},
		{"not hex stays", strings.Repeat("z", 64), strings.Repeat("z", 64)},
		{"url stays", "https://kms.ats.run/kms.mjs", "https://kms.ats.run/kms.mjs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shorten(tt.in); got != tt.want {
				t.Fatalf("shorten(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestMismatchNeverLooksEqual proves that shortening never makes two
// different values look the same in a table.
func TestMismatchNeverLooksEqual(t *testing.T) {
	sameStart := seedSHA256[:16] + strings.Repeat("0", len(seedSHA256)-16)
	tests := []struct {
		name, expected, actual string
	}{
		{"same first 16 digits", seedSHA256, sameStart},
		{"actual is the shortened text", seedSHA256, seedSHA256[:16] + "..."},
		{"same first sri characters", sriApp, sriApp[:len(sriApp)-1] + "A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, a := valueCells(tt.expected, tt.actual)
			if e == a {
				t.Fatalf("both render as %s", e)
			}
			if e != "`"+tt.expected+"`" || a != "`"+tt.actual+"`" {
				t.Fatalf("got %s and %s, want both in full", e, a)
			}
		})
	}
}

func TestMarkdownLinks(t *testing.T) {
	tests := []struct {
		url    string
		linked bool
	}{
		{"https://github.com/Lukium/ats-kms-enclave/tree/abc123d", true},
		{"http://example.com/a_b?c=d&e=f#g", true},
		{"javascript:alert(1)", false},
		{"data:text/html,<script>alert(1)</script>", false},
		{"ftp://example.com/x", false},
		{"https:///nohost", false},
		{"//example.com/x", false},
		{"https://example.com/a)b", false},
		{"https://example.com/a b", false},
		{"https://example.com/<b>", false},
		{"https://example.com/a*b*", false},
		{"https://example.com/~a~", false},
		{"https://example.com/$x$", false},
		{"https://example.com/&#9989;", false},
		{"https://example.com/:white_check_mark:/", false},
		{"https://example.com/\u2705", false},
		{"https://example.com/" + strings.Repeat("a", 3000), false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			r := seedReport()
			r.Details.WorkflowRunURL = tt.url
			var b bytes.Buffer
			if err := r.WriteMarkdown(&b); err != nil {
				t.Fatal(err)
			}
			var line string
			for _, l := range strings.Split(b.String(), "\n") {
				if strings.HasPrefix(l, "- **Workflow Run:**") {
					line = l
				}
			}
			linked := strings.HasPrefix(line, "- **Workflow Run:** [#1234](")
			if linked != tt.linked {
				t.Fatalf("linked = %v, want %v: %q", linked, tt.linked, line)
			}
		})
	}
}

func TestProse(t *testing.T) {
	tests := []struct{ in, want string }{
		{"KMS Verification Report", "KMS Verification Report"},
		{"check failed: SHA-256", "check failed: SHA-256"},
		{"nothing was checked", "nothing was checked"},
		{"a :x: b", "`a :x: b`"},
		{"see https://x.example", "`see https://x.example`"},
		{"see www.x.example", "`see www.x.example`"},
		{"*bold*", "`*bold*`"},
		{"a_b", "`a_b`"},
		{"1 < 2", "`1 < 2`"},
		{" padded", "`\\x20padded`"},
		{"line\nbreak", "`line\\nbreak`"},
		{"tick`tock", "`tick\\x60tock`"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := prose(tt.in, false); got != tt.want {
				t.Fatalf("prose(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"ascii", "abc 123 !#", "abc 123 !#"},
		{"newline and return", "a\nb\rc\td", `a\nb\rc\td`},
		{"escape sequence", "\x1b[2J", `\x1b[2J`},
		{"delete", "\x7f", `\x7f`},
		{"backslash", `a\b`, `a\\b`},
		{"backtick", "a`b", `a\x60b`},
		{"emoji", "✅", `\u2705`},
		{"astral", "😀", `\U0001f600`},
		{"bidi override", "a\u202eb", `a\u202eb`},
		{"invalid utf-8", "a\xffb", `a\xffb`},
		{"spaces at the ends", "  a b ", `\x20\x20a b\x20`},
		{"only spaces", "  ", `\x20\x20`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clean(tt.in); got != tt.want {
				t.Fatalf("clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
