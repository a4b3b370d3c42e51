package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestWriteText(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := f.report().WriteText(&b, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			diff(t, b.Bytes(), readFile(t, f.name+".txt"))
		})
	}
}

// ansi matches the escape sequences WriteText may emit: SGR colour codes.
var ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func TestWriteTextColor(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			var plain, color bytes.Buffer
			r := f.report()
			if err := r.WriteText(&plain, TextOptions{Color: false}); err != nil {
				t.Fatal(err)
			}
			if err := r.WriteText(&color, TextOptions{Color: true}); err != nil {
				t.Fatal(err)
			}
			if bytes.IndexByte(plain.Bytes(), 0x1b) >= 0 {
				t.Fatalf("Color false wrote an escape:\n%q", plain.String())
			}
			if !ansi.Match(color.Bytes()) {
				t.Fatalf("Color true wrote no colour:\n%q", color.String())
			}
			stripped := ansi.ReplaceAll(color.Bytes(), nil)
			if !bytes.Equal(stripped, plain.Bytes()) {
				t.Fatalf("coloured text without its colour differs from plain text:\n%s\n---\n%s", stripped, plain.Bytes())
			}
		})
	}
}

func TestWriteTextColorOfResult(t *testing.T) {
	tests := []struct {
		name  string
		r     *Report
		color string
		line  string
	}{
		{"pass", seedReport(), ansiGreen, "✅ VERIFICATION PASSED"},
		{"fail", failReport(), ansiRed, "❌ VERIFICATION FAILED"},
		{"error", errorReport(), ansiYellow, "⚠️ COULD NOT VERIFY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.r.WriteText(&b, TextOptions{Color: true}); err != nil {
				t.Fatal(err)
			}
			if want := ansiBold + tt.color + tt.line + ansiReset; !strings.Contains(b.String(), want) {
				t.Fatalf("no %q in\n%q", want, b.String())
			}
		})
	}
}

func TestTextInjection(t *testing.T) {
	r := hostileReport()
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		if err := r.WriteText(&b, TextOptions{Color: color}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if color {
			// Only our own colour codes may remain; removing them must
			// leave no escape character at all.
			out = strings.NewReplacer(ansiReset, "", ansiBold, "", ansiRed, "", ansiGreen, "", ansiYellow, "").Replace(out)
		}
		t.Logf("rendering (color %v):\n%s", color, out)
		for i, c := range out {
			if c < 0x20 && c != '\n' || c == 0x7f || c == '\u202e' || c == '\u200b' || c == '\u0085' {
				t.Fatalf("color %v: control or invisible character %U at byte %d", color, c, i)
			}
		}
		if n := strings.Count(out, "✅"); n != 0 {
			t.Errorf("color %v: %d ✅ in a report without a passing verdict", color, n)
		}
		if strings.Contains(out, "VERIFICATION PASSED") && !strings.Contains(out, `\u2705 VERIFICATION PASSED`) {
			t.Errorf("color %v: a VERIFICATION PASSED that is not the escaped value", color)
		}
		// Every line a value can reach starts with a label of ours; the
		// verdict lines are exactly one per check.
		verdicts := 0
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "  ❌") || strings.HasPrefix(line, "  ⚠️") || strings.HasPrefix(line, "  ✅") {
				verdicts++
			}
		}
		if verdicts != len(r.Checks) {
			t.Errorf("color %v: %d verdict lines for %d checks", color, verdicts, len(r.Checks))
		}
		if !strings.HasSuffix(out, "❌ VERIFICATION FAILED\nReason: "+clean(hostile)+"\n") {
			t.Errorf("color %v: wrong ending", color)
		}
	}
}

func TestWriteTextReasonInline(t *testing.T) {
	r := failReport()
	r.Reason = "SHA-256 differs\nReason: forged\x1b[32m"
	for _, color := range []bool{false, true} {
		var b strings.Builder
		if err := r.WriteText(&b, TextOptions{Color: color, ReasonInline: true}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		last := lines[len(lines)-1]
		if !strings.Contains(last, "❌ VERIFICATION FAILED") || !strings.HasSuffix(last, ": "+clean(r.Reason)) {
			t.Fatalf("color %v: last line %q", color, last)
		}
		if strings.Contains(b.String(), "\nReason: ") {
			t.Fatalf("color %v: a Reason line besides the verdict:\n%s", color, b.String())
		}
	}
	r = seedReport()
	var b strings.Builder
	if err := r.WriteText(&b, TextOptions{ReasonInline: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(b.String(), "\n✅ VERIFICATION PASSED\n") {
		t.Fatalf("a pass has no reason to add:\n%s", b.String())
	}
}
