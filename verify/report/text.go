package report

import (
	"io"
	"os"
	"strconv"
	"strings"
)

// TextOptions tune [Report.WriteText]. The zero value writes plain text.
type TextOptions struct {
	// Color adds ANSI colour: green for a pass, red for a fail, yellow for
	// an error or note, bold headings. Set it from [ColorFor].
	Color bool
	// ReasonInline writes the reason on the verdict line, after a colon
	// ("❌ VERIFICATION FAILED: SHA-256 mismatch"), for output that ends
	// with one line a log reader can grep; without it the reason is a
	// line of its own, "Reason: …".
	ReasonInline bool
}

// rule separates a table from the text around it, as the verifier's
// terminal output always has.
const rule = "────────────────────────────────────────────────────────────────"

// ANSI escape sequences for TextOptions.Color.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

// WriteText writes r for a terminal: each check group as a heading, a rule
// and one entry per check with both values in full and a verdict line, then
// the Sigstore outcome, then the overall result and its reason. Every value
// is escaped as described in the package documentation, so no control
// character of a value reaches the terminal. It refuses, with an error
// wrapping [ErrInvalid], a report that [Parse] would reject, and writes
// nothing then.
func (r *Report) WriteText(w io.Writer, opts TextOptions) error {
	if err := r.validate(); err != nil {
		return err
	}
	paint := func(color, s string) string {
		if !opts.Color {
			return s
		}
		return color + s + ansiReset
	}
	var blocks []string
	for _, g := range groups(r.Checks) {
		var b strings.Builder
		b.WriteString(paint(ansiBold, clean(groupTitle(g.name))+":") + "\n" + rule + "\n")
		localLive := g.name == GroupHashComparison
		for i, c := range g.checks {
			if i > 0 {
				b.WriteString("\n")
			}
			name := clean(c.Name)
			if name == "" {
				name = none
			}
			b.WriteString(name + ":\n")
			if localLive {
				b.WriteString("  Local: " + textValue(c.Expected) + "\n")
				b.WriteString("  Live:  " + textValue(c.Actual) + "\n")
			} else {
				b.WriteString("  Expected: " + textValue(c.Expected) + "\n")
				b.WriteString("  Actual:   " + textValue(c.Actual) + "\n")
			}
			line := verdictText(c.Verdict, g.name == GroupHashComparison || g.name == GroupSubresource || g.name == GroupLocalBuild)
			if c.Detail != "" {
				line += ": " + clean(c.Detail)
			}
			b.WriteString("  " + paint(verdictColor(c.Verdict), line) + "\n")
		}
		b.WriteString(rule)
		blocks = append(blocks, b.String())
	}
	if s := r.Sigstore; s != nil {
		blocks = append(blocks, sigstoreText(s, paint))
	}
	var result, color string
	switch r.Status {
	case StatusPass:
		result, color = "✅ VERIFICATION PASSED", ansiGreen
	case StatusFail:
		result, color = "❌ VERIFICATION FAILED", ansiRed
	default:
		result, color = "⚠️ COULD NOT VERIFY", ansiYellow
	}
	result = paint(ansiBold+color, result)
	switch {
	case r.Reason == "":
	case opts.ReasonInline:
		result += ": " + clean(r.Reason)
	default:
		result += "\nReason: " + clean(r.Reason)
	}
	blocks = append(blocks, result)
	_, err := io.WriteString(w, strings.Join(blocks, "\n\n")+"\n")
	return err
}

func textValue(v string) string {
	if v == "" {
		return none
	}
	return clean(v)
}

// verdictText is the verdict line of a check; a comparison of values says
// MATCH where another check says PASS.
func verdictText(v Verdict, comparison bool) string {
	switch v {
	case VerdictPass:
		if comparison {
			return "✅ MATCH"
		}
		return "✅ PASS"
	case VerdictFail:
		if comparison {
			return "❌ MISMATCH"
		}
		return "❌ FAIL"
	case VerdictError:
		return "⚠️ COULD NOT CHECK"
	}
	return "⚠️ NOT CHECKED"
}

func verdictColor(v Verdict) string {
	switch v {
	case VerdictPass:
		return ansiGreen
	case VerdictFail:
		return ansiRed
	}
	return ansiYellow
}

func sigstoreText(s *Sigstore, paint func(color, s string) string) string {
	var head string
	switch s.Signature {
	case VerdictPass:
		head = "✅ Sigstore verification passed"
	case VerdictFail:
		head = "❌ Sigstore verification failed"
	case VerdictError:
		head = "⚠️ Sigstore verification could not be completed"
	default:
		head = "⚠️ Sigstore verification not performed"
	}
	lines := []string{paint(verdictColor(s.Signature), head)}
	item := func(label, value string) {
		lines = append(lines, "  "+label+strings.Repeat(" ", 13-len(label))+value)
	}
	if s.RekorLogIndex != nil {
		item("Rekor entry:", strconv.FormatInt(*s.RekorLogIndex, 10))
	}
	if s.RekorURL != "" {
		item("Rekor URL:", clean(s.RekorURL))
	}
	if s.CertificateIssuer != "" {
		item("Issuer:", clean(s.CertificateIssuer))
	}
	if s.Identity != "" {
		item("Identity:", clean(s.Identity))
	}
	if s.Detail != "" {
		item("Detail:", clean(s.Detail))
	}
	return strings.Join(lines, "\n")
}

// ColorFor reports whether output to f should be coloured: only when f is a
// terminal (a character device), the NO_COLOR environment variable is unset
// or empty (https://no-color.org) and TERM is not "dumb". getenv reads the
// environment; nil means [os.Getenv].
//
// The terminal test uses only the standard library and so cannot tell a
// terminal from another character device such as /dev/null; output there
// is coloured, and unseen.
func ColorFor(f *os.File, getenv func(string) string) bool {
	if f == nil {
		return false
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	return fi.Mode()&os.ModeCharDevice != 0
}
