// Package report is the verification report: a JSON document that records
// what a verifier compared and what it found, and its three renderings —
// the GitHub Actions job summary (Markdown), the terminal output (text) and
// the JSON itself.
//
// A verifier builds a [Report] with [New], adds one [Check] per comparison
// with [Report.Add], and calls [Report.Finish], which derives the overall
// [Status] from the checks. The report is then written with
// [Report.WriteJSON] (the downloadable verification-report.json),
// [Report.WriteMarkdown] (the job summary; [AppendStepSummary] appends it
// to $GITHUB_STEP_SUMMARY) or [Report.WriteText] (the CLI). [Parse] reads a
// report back and rejects one that is malformed or contradicts itself.
//
//	r := report.New("KMS Verification Report")
//	r.Details = report.Details{
//		Timestamp:         "2025-10-23T14:23:42Z", // from the caller's clock
//		VerifierCommit:    "abc123d",
//		VerifierCommitURL: "https://github.com/Lukium/ats-kms-enclave/tree/abc123d",
//		ReleaseTag:        "v1.0.1",
//	}
//	r.Add(report.Check{
//		Group:    report.GroupHashComparison,
//		Name:     "SHA-256",
//		Expected: localHex, // the reproducible build
//		Actual:   liveHex,  // the deployed artifact
//		Verdict:  report.VerdictPass,
//	})
//	r.Finish()
//	if err := r.WriteJSON(f); err != nil { ... }
//	if err := report.AppendStepSummary(r, os.Getenv); err != nil { ... }
//	err := r.WriteText(os.Stdout, report.TextOptions{Color: report.ColorFor(os.Stdout, os.Getenv)})
//
// The reports of a comparison and of a page check are built by package
// [github.com/ats-run/selfattest/verify] (its CompareReport and
// PageReport), the Sigstore section ([Sigstore]) and the log-confirmation
// checks by the Sigstore packages (sigstore.NewReport and
// confirm.AddToReport): the dependencies point that way, so this package
// compiles nothing outside the standard library but this module's
// measuring, and each report costs only what its own check costs.
//
// The package renders; it checks nothing. It never hashes, fetches or
// compares an artifact, and a [Check] says only what its producer says: a
// verdict is recorded, not recomputed, so a report read from an untrusted
// place is a claim, not evidence. [Parse] and the writers refuse a report
// that contradicts itself — a pass with a failed check, a pass with nothing
// checked — but a consistent forgery is still a forgery: sign or attest the
// JSON if it has to travel. The package never reads the clock (the caller
// supplies [Details.Timestamp]) and reads the environment only through the
// getenv function a caller passes (nil means [os.Getenv]).
//
// # Sections
//
//   - Schema: the JSON document, field by field.
//   - Statuses and verdicts: what pass, fail, error and info mean, and how
//     [Report.Finish] derives a status.
//   - Markdown: the job summary, and how untrusted values are escaped.
//   - Text: the terminal rendering and colour.
//   - Compatibility: what may change within v1.
//
// # Schema
//
// A report is one JSON object, written by [Report.WriteJSON] with two-space
// indentation, fields in the order below, map keys sorted and a trailing
// newline. Values taken from the outside world — URLs, HTML attributes,
// server headers, digests of a live artifact — appear verbatim in the JSON;
// only the renderings escape them.
//
//	{
//	  "schema": "https://github.com/ats-run/selfattest/report/v1",
//	  "title": "KMS Verification Report",
//	  "status": "pass",
//	  "details": {
//	    "timestamp": "2025-10-23T14:23:42Z",
//	    "verifier_commit": "abc123d",
//	    "verifier_commit_url": "https://github.com/Lukium/ats-kms-enclave/tree/abc123d",
//	    "release_tag": "v1.0.1"
//	  },
//	  "checks": [
//	    {
//	      "group": "hash-comparison",
//	      "name": "SHA-256",
//	      "expected": "7f8a9b0c…",
//	      "actual": "7f8a9b0c…",
//	      "verdict": "pass"
//	    }
//	  ]
//	}
//
// The report object ([Report]):
//
//   - "schema" (string, required): [SchemaV1]. [Parse] rejects any other
//     value with a [*SchemaError].
//   - "title" (string): what was verified, e.g. "KMS Verification Report";
//     the Markdown H1.
//   - "status" (string, required): "pass", "fail" or "error"; see Statuses
//     and verdicts.
//   - "reason" (string, optional): one line saying why the status is fail
//     or error. [Report.Finish] writes one if the caller did not.
//   - "subject" (object, optional): the artifact the report is about
//     ([Subject]).
//   - "details" (object, required, may be {}): where and by what the
//     verification ran ([Details]).
//   - "checks" (array, required): one object per comparison ([Check]), in
//     the order they were added. Written as [] when empty, never null.
//   - "artifacts" (array, optional): the files and URLs involved
//     ([Artifact]).
//   - "sigstore" (object, optional): the outcome of verifying the release's
//     Sigstore bundle ([Sigstore]).
//
// The subject object ([Subject]), shaped like an in-toto subject:
//
//   - "name" (string, required, may be ""): the artifact's file name.
//   - "uri" (string, optional): where it was fetched from.
//   - "digests" (object, required): algorithm name to lowercase hex digest,
//     e.g. {"sha256": "7f8a…"}, as in an in-toto DigestSet.
//   - "size" (integer, required): its length in bytes; never negative.
//
// The details object ([Details]); every field is an optional string:
//
//   - "timestamp": when the verification ran, RFC 3339 in UTC
//     ("2025-10-23T14:23:42Z"), supplied by the caller.
//   - "verifier_version": the verifier's version, e.g. "v0.3.0".
//   - "verifier_commit": the commit of the verifier's source.
//   - "verifier_commit_url": a link to that commit.
//   - "release_tag": the release being verified, e.g. "v1.0.1".
//   - "workflow_run": the CI run, e.g. "1234" (rendered "#1234").
//   - "workflow_run_url": a link to that run.
//   - "extra": an object of further string facts, rendered sorted by key.
//
// A check object ([Check]):
//
//   - "group" (string, required): which table the check belongs to:
//     [GroupHashComparison] ("hash-comparison": the local build against the
//     live artifact), [GroupSubresource] ("subresource": one Subresource
//     Integrity check of a page), [GroupSigstore] ("sigstore"),
//     [GroupLogConfirmation] ("log-confirmation": a bundle's log entry
//     confirmed online, one check per entry), or any other string, which
//     gets a table of its own. A group is only a string, so a reader of an
//     older v1 report, or of a newer group, needs no change.
//   - "name" (string, required): what was compared: "SHA-256", "SRI",
//     "Size", or the URL of a subresource.
//   - "expected" (string, required, may be ""): the local or expected
//     value — a hex digest, "sha384-…", "123456 bytes".
//   - "actual" (string, required, may be ""): the live or actual value.
//   - "verdict" (string, required): "pass", "fail", "error" or "info".
//   - "detail" (string, optional): one line of explanation.
//
// An artifact object ([Artifact]):
//
//   - "role" (string, required): its part in the verification: "local
//     build", "live url", "bundle", …
//   - "name" (string, required, may be ""): its file name.
//   - "uri" (string, optional): where it is or was fetched from.
//
// The sigstore object ([Sigstore]):
//
//   - "signature" (string, required): the verdict on the bundle's
//     signature, one of the check verdicts.
//   - "rekor_log_index" (integer, optional): the transparency-log index of
//     the entry; never negative.
//   - "rekor_url" (string, optional): a link to that entry.
//   - "certificate_issuer" (string, optional): the OIDC issuer of the
//     signing certificate, e.g. "https://token.actions.githubusercontent.com".
//   - "identity" (string, optional): the certificate's subject alternative
//     name, e.g. the signing workflow's URL.
//   - "detail" (string, optional): one line of explanation.
//
// [Parse] reads at most [MaxSize] bytes of valid UTF-8. It ignores fields it
// does not know (see Compatibility) but rejects, as ambiguous, an object
// with a key twice, two keys that differ only in case, and a key that
// differs from one of the names above only in case ("Status"): Go's
// encoding/json would read those differently from other JSON readers.
// Every error it returns wraps [ErrInvalid].
//
// # Statuses and verdicts
//
// A [Verdict] is the outcome of one check:
//
//   - [VerdictPass] ("pass"): compared, and the values agree.
//   - [VerdictFail] ("fail"): compared, and they disagree — a rejection.
//   - [VerdictError] ("error"): could not be compared: the network failed,
//     a fetch timed out, an input was unusable.
//   - [VerdictInfo] ("info"): reported, not a check — for example a
//     subresource without an integrity attribute when the policy is not
//     strict. It never makes a report pass or fail.
//
// A [Status] is the outcome of the whole report: [StatusPass] (verified),
// [StatusFail] (rejected: at least one mismatch) or [StatusError] (could not
// check). [Report.Finish] derives it from the check verdicts and, when
// [Report.Sigstore] is set, the signature verdict:
//
//  1. any fail gives fail;
//  2. otherwise any error gives error;
//  3. otherwise, if nothing was compared — no check, or only info checks —
//     the status is error with the reason "nothing was checked": a report
//     never says pass when nothing was compared;
//  4. otherwise pass.
//
// A caller may set [StatusFail] or [StatusError] before Finish (a
// verification that stopped early) and Finish keeps it; a caller cannot set
// [StatusPass]: Finish replaces any other value with the derived status.
// Finish fills in an empty [Report.Reason] for fail and error, naming the
// checks at fault, and clears the reason of a pass.
//
// A report is consistent when its status is fail or error, or when it is
// pass and the derived status is pass. [Parse] rejects an inconsistent
// report with a [*StatusMismatchError], and every writer refuses one, so a
// report edited to say pass over a failed check neither parses nor renders.
//
// # Markdown
//
// [Report.WriteMarkdown] writes the job summary: the title as H1, the status
// line (✅ PASS, ❌ FAIL, ⚠️ ERROR) and the reason, a bullet list of
// details, then one table per check group — "Hash Comparison" first, then
// "Subresources", then the other groups in the order they first appear —
// then "Sigstore Verification", "Artifacts", and a footer linking the
// verifier's commit. Each table row ends in ✅ (pass), ❌ (fail) or ⚠️
// (error or info).
//
// In the hash-comparison table a hex digest longer than 16 digits is
// shortened to its first 16 and "...", and an SRI value to its algorithm and
// first 11 base64 characters (64 bits, as 16 hex digits are) and "...";
// should both sides shorten to the same text while differing, both are shown
// in full, so a mismatch never looks like equal values. Values such as
// "123456 bytes" are written as plain text, every other value as inline code.
// The subject's digests are never shortened.
//
// Every string in a report is untrusted: it may have come from a web
// server, an HTML page or a tampered JSON file. The renderings therefore
// show it in printable ASCII: a newline is written \n, a backtick \x60, a
// backslash \\, another control character \xNN, a non-ASCII character
// \uNNNN or \UNNNNNNNN, and a space at either end \x20. In Markdown values
// (digests, tags, identities, file names) are then written as inline code,
// with "|" escaped inside tables; titles, names, reasons and details are
// written as text when they are plain words (letters, digits, spaces and
// ,.;:'"/=?%()-) with no URL, no "www." and no :emoji: code, and as inline
// code otherwise. Links are made only to http and https URLs made of
// characters that cannot end the link; other URLs are shown as code. So no
// value can end a table cell, start a row, open a link, inject HTML, or put
// a ✅ anywhere but where a verdict says so. An RFC 3339 timestamp is shown
// as "2025-10-23 14:23:42 UTC"; an empty value as "—".
//
// # Text
//
// [Report.WriteText] writes the terminal rendering: for each check group a
// heading ("Hash Comparison:"), a rule, and for each check its name, the two
// values in full ("Local:"/"Live:" for the hash comparison,
// "Expected:"/"Actual:" otherwise) and a verdict line (✅ MATCH, ❌
// MISMATCH, ⚠️ COULD NOT CHECK, ⚠️ NOT CHECKED); then the Sigstore outcome;
// then ✅ VERIFICATION PASSED, ❌ VERIFICATION FAILED or ⚠️ COULD NOT VERIFY
// and the reason, on a line of its own or, with [TextOptions.ReasonInline],
// after a colon on the verdict line. Values are escaped as in Markdown, so a value holding a
// terminal escape sequence ("\x1b[2J") or a carriage return cannot reach
// the terminal raw. [TextOptions.Color] adds ANSI colour; [ColorFor] tells
// whether a file should get it.
//
// # Compatibility
//
// The schema URI names the version. Within v1, fields are only ever added,
// they are optional, and a reader that ignores them still reads the report
// correctly; [Parse] ignores them. A change that an old reader would
// misread — a new status or verdict, a field whose absence changes the
// meaning — gets a new schema URI, which a v1 [Parse] rejects with a
// [*SchemaError] rather than guess. The Markdown and text renderings are
// for people: their layout may change between releases, and nothing should
// parse them. Read the JSON instead.
package report
