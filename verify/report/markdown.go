package report

import (
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WriteMarkdown writes r as a GitHub job summary: title, status, details,
// one table per check group, the Sigstore outcome, the artifacts and a
// footer linking the verifier's commit. Every value is escaped as described
// in the package documentation. It refuses, with an error wrapping
// [ErrInvalid], a report that [Parse] would reject, and writes nothing then.
func (r *Report) WriteMarkdown(w io.Writer) error {
	if err := r.validate(); err != nil {
		return err
	}
	var blocks []string
	add := func(b ...string) { blocks = append(blocks, b...) }

	title := prose(r.Title, false)
	if title == "" {
		title = "Verification Report"
	}
	add("# "+title, "**Status:** "+statusBadge(r.Status))
	if r.Reason != "" {
		add("**Reason:** " + prose(r.Reason, false))
	}
	if d := r.detailsMarkdown(); d != "" {
		add(d)
	}
	if s := r.Subject; s != nil {
		add(subjectMarkdown(s))
	}
	for _, g := range groups(r.Checks) {
		add(groupMarkdown(g)...)
	}
	if s := r.Sigstore; s != nil {
		add("## Sigstore Verification", sigstoreMarkdown(s))
	}
	if len(r.Artifacts) > 0 {
		var b strings.Builder
		for i, a := range r.Artifacts {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString("- " + artifactMarkdown(a))
		}
		add("## Artifacts", b.String())
	}
	if d := r.Details; d.VerifierCommit != "" && safeURL(d.VerifierCommitURL) {
		add("---", "**Verifier code:** "+link("View at commit "+commitText(d.VerifierCommit), d.VerifierCommitURL))
	}
	_, err := io.WriteString(w, strings.Join(blocks, "\n\n")+"\n")
	return err
}

func statusBadge(s Status) string {
	switch s {
	case StatusPass:
		return "✅ PASS"
	case StatusFail:
		return "❌ FAIL"
	}
	return "⚠️ ERROR"
}

func verdictMark(v Verdict) string {
	switch v {
	case VerdictPass:
		return "✅"
	case VerdictFail:
		return "❌"
	}
	return "⚠️"
}

func (r *Report) detailsMarkdown() string {
	d := r.Details
	var items []string
	item := func(label, value string) { items = append(items, "- **"+label+":** "+value) }
	if d.Timestamp != "" {
		item("Timestamp", timestamp(d.Timestamp))
	}
	if d.VerifierVersion != "" {
		item("Verifier Version", code(d.VerifierVersion, false))
	}
	if d.VerifierCommit != "" {
		if safeURL(d.VerifierCommitURL) {
			item("Verifier Commit", link(commitText(d.VerifierCommit), d.VerifierCommitURL))
		} else {
			item("Verifier Commit", code(d.VerifierCommit, false))
		}
	}
	if d.ReleaseTag != "" {
		item("Release Tag", code(d.ReleaseTag, false))
	}
	if d.WorkflowRun != "" || d.WorkflowRunURL != "" {
		run := d.WorkflowRun
		if isDigits(run) {
			run = "#" + run
		} else {
			run = code(run, false)
		}
		switch {
		case safeURL(d.WorkflowRunURL) && d.WorkflowRun != "":
			item("Workflow Run", link(run, d.WorkflowRunURL))
		case d.WorkflowRun != "":
			item("Workflow Run", run)
		default:
			item("Workflow Run", bareURL(d.WorkflowRunURL))
		}
	}
	keys := make([]string, 0, len(d.Extra))
	for k := range d.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		label := prose(k, false)
		if label == "" {
			label = none
		}
		item(label, code(d.Extra[k], false))
	}
	if len(items) == 0 {
		return ""
	}
	return "**Verification Details:**\n" + strings.Join(items, "\n")
}

// timestamp renders an RFC 3339 time as "2025-10-23 14:23:42 UTC", and
// anything else as code.
func timestamp(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return code(s, false)
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

// commitText is the link text of a commit: its first seven hex digits as
// code, or the whole value as code if it is not hex.
func commitText(c string) string {
	if len(c) > 7 && isHex(c) {
		c = c[:7]
	}
	return code(c, false)
}

func isDigits(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func subjectMarkdown(s *Subject) string {
	items := []string{"**Subject:**", "- **Name:** " + code(s.Name, false)}
	if s.URI != "" {
		items = append(items, "- **URI:** "+bareURL(s.URI))
	}
	algs := make([]string, 0, len(s.Digests))
	for a := range s.Digests {
		algs = append(algs, a)
	}
	slices.Sort(algs)
	for _, a := range algs {
		label := prose(a, false)
		if label == "" {
			label = none
		}
		items = append(items, "- **"+label+":** "+code(s.Digests[a], false))
	}
	items = append(items, "- **Size:** "+strconv.FormatInt(s.Size, 10)+" bytes")
	return strings.Join(items, "\n")
}

// A group is the checks of one group, in report order.
type group struct {
	name   string
	checks []Check
}

// groups splits checks by group: the hash comparison first, the
// subresources second, the others in the order they first appear.
func groups(checks []Check) []group {
	var gs []group
	index := map[string]int{}
	for _, c := range checks {
		i, ok := index[c.Group]
		if !ok {
			i = len(gs)
			index[c.Group] = i
			gs = append(gs, group{name: c.Group})
		}
		gs[i].checks = append(gs[i].checks, c)
	}
	rank := func(g group) int {
		switch g.name {
		case GroupHashComparison:
			return 0
		case GroupSubresource:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(gs, func(a, b group) int { return rank(a) - rank(b) })
	return gs
}

func groupTitle(name string) string {
	switch name {
	case GroupHashComparison:
		return "Hash Comparison"
	case GroupSubresource:
		return "Subresources"
	case GroupSigstore:
		return "Sigstore Checks"
	case GroupLocalBuild:
		return "Local Build"
	case GroupLogConfirmation:
		return "Transparency Log Confirmation"
	case "":
		return "Other Checks"
	}
	return name
}

// table renders a Markdown table; cells must be rendered already.
func table(header []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
	for _, h := range header {
		b.WriteString(strings.Repeat("-", len(h)+2) + "|")
	}
	for _, row := range rows {
		b.WriteString("\n| " + strings.Join(row, " | ") + " |")
	}
	return b.String()
}

// bold renders an already rendered cell in bold, and an empty one as none.
func bold(s string) string {
	if s == "" {
		return none
	}
	return "**" + s + "**"
}

func groupMarkdown(g group) []string {
	heading := "## " + prose(groupTitle(g.name), false)
	if g.name == GroupHashComparison {
		var rows [][]string
		var notes []string
		for _, c := range g.checks {
			e, a := valueCells(c.Expected, c.Actual)
			name := bold(prose(c.Name, true))
			rows = append(rows, []string{name, e, a, verdictMark(c.Verdict)})
			if c.Detail != "" {
				notes = append(notes, "- "+name+": "+prose(c.Detail, false))
			}
		}
		blocks := []string{heading, table([]string{"Hash Type", "Local Build", "Live Artifact", "Match"}, rows)}
		if len(notes) > 0 {
			blocks = append(blocks, strings.Join(notes, "\n"))
		}
		return blocks
	}
	first := "Check"
	if g.name == GroupSubresource {
		first = "Resource"
	}
	var rows [][]string
	for _, c := range g.checks {
		e, a := valueCells(c.Expected, c.Actual)
		name := prose(c.Name, true)
		if name == "" {
			name = none
		}
		rows = append(rows, []string{name, e, a, verdictMark(c.Verdict), prose(c.Detail, true)})
	}
	return []string{heading, table([]string{first, "Expected", "Actual", "Result", "Detail"}, rows)}
}

// githubActionsIssuer is the OIDC issuer of GitHub Actions workflow
// identities.
const githubActionsIssuer = "https://token.actions.githubusercontent.com"

func sigstoreMarkdown(s *Sigstore) string {
	var sig string
	switch s.Signature {
	case VerdictPass:
		sig = "✅ Valid"
	case VerdictFail:
		sig = "❌ Invalid"
	case VerdictError:
		sig = "⚠️ Could not verify"
	default:
		sig = "⚠️ Not verified"
	}
	items := []string{"- **Signature:** " + sig}
	switch {
	case s.RekorLogIndex != nil:
		idx := "`" + strconv.FormatInt(*s.RekorLogIndex, 10) + "`"
		if s.RekorURL != "" {
			idx = link(idx, s.RekorURL)
		}
		items = append(items, "- **Rekor Entry:** "+idx)
	case s.RekorURL != "":
		items = append(items, "- **Rekor Entry:** "+bareURL(s.RekorURL))
	}
	if s.CertificateIssuer != "" {
		issuer := code(s.CertificateIssuer, false)
		if s.CertificateIssuer == githubActionsIssuer {
			issuer = "GitHub Actions OIDC"
		}
		if s.Signature == VerdictPass {
			items = append(items, "- **Certificate:** Verified with "+issuer)
		} else {
			items = append(items, "- **Certificate:** Not verified (claimed issuer: "+issuer+")")
		}
	}
	if s.Identity != "" {
		items = append(items, "- **Identity:** "+code(s.Identity, false))
	}
	if s.Detail != "" {
		items = append(items, "- **Detail:** "+prose(s.Detail, false))
	}
	return strings.Join(items, "\n")
}

func artifactMarkdown(a Artifact) string {
	role := prose(roleTitle(a.Role), false)
	if role == "" {
		role = "Artifact"
	}
	var what string
	switch {
	case a.URI == "":
		what = code(a.Name, false)
	case a.Name == "" || a.Name == a.URI:
		what = bareURL(a.URI)
	default:
		what = link(code(a.Name, false), a.URI)
	}
	return role + ": " + what
}

// roleTitle capitalises a role for display: "live url" becomes "Live URL".
func roleTitle(role string) string {
	words := strings.Split(role, " ")
	for i, w := range words {
		switch w {
		case "url", "uri", "sri", "oidc", "json":
			words[i] = strings.ToUpper(w)
		}
	}
	s := strings.Join(words, " ")
	if s != "" && 'a' <= s[0] && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
