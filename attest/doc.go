// Package attest measures artifacts and states facts about them: size and
// digests, Subresource Integrity strings, content-addressed file names,
// in-toto statements with SLSA provenance or a verification report as
// their predicate, and reproducible release folders with a manifest.
// Signing them into Sigstore bundles is package
// [github.com/ats-run/selfattest/attest/signing], kept apart so that a
// verifier, which imports attest, does not compile the signing clients.
//
// A worked example — what a release job does with a built file:
//
//	d, err := attest.MeasureFile("dist/kms.mjs")
//	if err != nil { … }
//	name, _ := attest.ContentName("kms.mjs", "1.0.1", d) // kms-v1.0.1-7f8a9b0c.mjs
//	sri := attest.FormatIntegrity(d, attest.SHA384)       // sha384-…
//	fmt.Printf(`<script type="module" integrity="%s" src="/%s"></script>`, sri, name)
//
// and with a whole dist folder, in a GitHub Actions job:
//
//	prov, err := attest.GitHubProvenance(attest.FromEnviron(os.Environ()))
//	if err != nil { … } // errors.Is(err, attest.ErrBadInput): a GITHUB_* variable is missing
//	mtime, err := attest.SourceDateEpoch(os.Getenv("SOURCE_DATE_EPOCH"))
//	res, err := attest.Release(ctx, "dist", "release", "1.0.1", prov,
//		attest.ReleaseOptions{ModTime: mtime})
//	// release/ now holds the content-addressed files, the rewritten HTML,
//	// release-manifest.json and release.intoto.json (unsigned).
//	m, err := attest.CheckRelease(ctx, "release", attest.CheckOptions{}) // recomputes everything
//
// # Measuring
//
// [Measure] reads a stream once and returns its size and SHA-256, SHA-384
// and SHA-512 digests ([Digests]). The three hashes run on their own
// goroutines over a fixed pool of buffers, so on two cores measuring all
// three costs little more than SHA-512 alone, and memory stays at 4 MiB
// for any input. [MeasureBytes] and [MeasureFile] are shorthands. Digests
// print as sha256sum does ([Digests.Hex]), as SRI strings ([Digests.SRI]),
// and marshal to JSON as {"size","sha256","sha384","sha512"} in hex.
//
// # Subresource Integrity
//
// [ParseIntegrity] reads an integrity attribute by the W3C Subresource
// Integrity rules: whitespace-separated tokens "alg-base64?options", the
// strongest algorithm named decides, options are ignored, and tokens with
// an unknown algorithm or a malformed value are skipped — but, unlike a
// browser, reported in [Integrity].Ignored with an [IgnoreReason]. Where the
// spec's editions and browsers differ, the stricter reading is taken: this
// package may refuse what a browser loads, never pass what a browser
// refuses. [Integrity.Match] returns nil only when a strongest token
// matches; an attribute with no usable token is [ErrNoIntegrity] (a
// browser would load the resource unchecked), a mismatch an
// [*IntegrityMismatchError] carrying what was expected and what was found.
// [FormatIntegrity] writes an attribute from measured digests.
//
// # Content-addressed names
//
// [ContentName] gives a released file its immutable name,
// "<stem>-v<version>-<first 8 hex of SHA-256><ext>", and refuses names and
// versions that could escape a folder.
//
// # Statements
//
// A statement is an in-toto Statement v1
// (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md),
// held in the in-toto framework's own Go type
// ([github.com/in-toto/attestation/go/v1.Statement]). [NewStatement] builds
// one from a [Predicate] and one or more [Subject]s; every subject carries
// its "sha256" and "sha512" digests, lower-case hex, from [Measure].
// [MarshalStatement] writes the JSON form — protojson's field names
// ("_type", "predicateType"), fields in the framework's order, object keys
// inside a predicate sorted, two-space indentation and a final newline — so
// the same statement always gives the same bytes (protojson alone varies
// its whitespace from build to build on purpose). [ParseStatement] reads it
// back, refusing unknown fields, any "_type" but
// "https://in-toto.io/Statement/v1", an empty subject list or a subject
// digest that is not hex of its algorithm's length.
//
// # Predicates
//
// A [Predicate] is anything with a type URI and a JSON object. Two are
// defined here.
//
// [SLSAProvenance] is SLSA provenance v1 (https://slsa.dev/provenance/v1),
// in the framework's Go type (go/predicates/provenance/v1). Fill it by hand
// or from a GitHub Actions environment with [GitHubProvenance], which
// follows the "https://actions.github.io/buildtypes/workflow/v1" build type
// that GitHub's own generator (actions/attest-build-provenance) writes. The
// mapping, with $S for GITHUB_SERVER_URL and $R for GITHUB_REPOSITORY:
//
//	provenance field                              from
//	buildDefinition.buildType                     "https://actions.github.io/buildtypes/workflow/v1"
//	…externalParameters.workflow.ref              GITHUB_WORKFLOW_REF after its first "@"
//	…externalParameters.workflow.repository       "$S/$R"
//	…externalParameters.workflow.path             GITHUB_WORKFLOW_REF between "$R/" and "@"
//	…internalParameters.github.event_name         GITHUB_EVENT_NAME
//	…internalParameters.github.repository_id      GITHUB_REPOSITORY_ID
//	…internalParameters.github.repository_owner_id GITHUB_REPOSITORY_OWNER_ID
//	…internalParameters.github.runner_environment RUNNER_ENVIRONMENT
//	…resolvedDependencies[0].uri                  "git+$S/$R@" + GITHUB_REF
//	…resolvedDependencies[0].digest.gitCommit     GITHUB_SHA (40 lower-case hex digits)
//	runDetails.builder.id                         "$S/" + GITHUB_WORKFLOW_REF
//	runDetails.metadata.invocationId              "$S/$R/actions/runs/" + GITHUB_RUN_ID + "/attempts/" + GITHUB_RUN_ATTEMPT
//
// Every variable named is required; a missing or malformed one is an
// [*EnvError] wrapping [ErrBadInput]. GitHub's generator takes the same
// facts from the OIDC token rather than the environment, and its builder.id
// from the token's job_workflow_ref, which names the called workflow when
// the job runs a reusable workflow; no environment variable holds that, so
// here builder.id names the calling workflow. No time is recorded
// (metadata.startedOn and finishedOn stay empty).
//
// [VerificationReport] is a predicate of ours, so that a verifier can sign
// what it saw and anyone can count agreeing signatures:
//
//	predicateType: "https://github.com/ats-run/selfattest/predicate/verification-report/v1"
//	predicate:     a verification report, the JSON object of package
//	               verify/report, verbatim in meaning: its schema is the
//	               report's ("schema": "https://github.com/ats-run/selfattest/report/v1").
//
// The subjects are the artifacts the report is about. attest checks only
// what a statement needs — a JSON object of at most 16 MiB, no key twice,
// and the report schema URI in "schema" — and leaves the rest of the
// report's rules to verify/report.Parse, which reads the bytes
// [ParseVerificationReport] returns. The report travels as a protobuf
// Struct inside the statement, so its numbers are IEEE doubles: integers
// stay exact up to 2^53, which every count and log index in a report is.
//
// # Releases
//
// [Release] turns a dist folder into a release folder. For every regular
// file it writes a content-addressed copy beside where the file sat
// ("assets/app.js" → "assets/app-v1.0.1-0123abcd.js", see [ContentName]).
// HTML files (".html", ".htm") are first rewritten: every <script src> and
// <link href> that names another released file is changed to name its
// content-addressed copy and given an integrity attribute (SHA-384 unless
// [ReleaseOptions].Integrity says otherwise); the HTML file is then written
// both at its own path, as the entry point a browser asks for, and under
// its content-addressed name. Only the bytes of the src, href and integrity
// values change (an integrity attribute missing is inserted after src or
// href); every other byte of the page is kept. References left alone, and
// reported in [ReleaseResult].Unrewritten: absolute URLs and
// protocol-relative ones (other origins), references with a query or a
// fragment, references to HTML files (they keep their names) and to files
// not in the release. A page with a <base href> is refused: its references
// cannot be resolved without knowing where it is served.
//
// Two more files go at the root of the release folder: the manifest,
// release-manifest.json ([Manifest], [ParseManifest], [FormatManifest]):
//
//	{
//	  "schema": "https://github.com/ats-run/selfattest/release-manifest/v1",
//	  "version": "1.0.1",
//	  "files": [
//	    {
//	      "path": "assets/app.js",
//	      "content_path": "assets/app-v1.0.1-0123abcd.js",
//	      "size": 1234,
//	      "digests": {"sha256": "…", "sha384": "…", "sha512": "…"},
//	      "integrity": "sha384-…"
//	    },
//	    {
//	      "path": "index.html",
//	      "content_path": "index-v1.0.1-89abcdef.html",
//	      "entry_point": true,
//	      …
//	    }
//	  ]
//	}
//
// The fields:
//
//   - "schema" (required): [ManifestSchemaV1]; any other value is refused.
//   - "version" (required): the release version, without a leading "v".
//   - "files" (required): one entry per released file, sorted by "path"
//     (bytewise), no path twice, never null.
//   - "path" (required): the file's path in the dist folder, "/"-separated,
//     relative, clean.
//   - "content_path" (required): where its content-addressed copy is, always
//     [ContentName] of the path's last element in the same folder.
//   - "entry_point" (optional, default false): the file is also at "path"
//     (true for HTML files and only for them).
//   - "size", "digests" (required): of the released bytes — for an HTML
//     file, the rewritten page. Digests are lower-case hex.
//   - "integrity" (required): the SRI string of those bytes, one token.
//
// The manifest is written with two-space indentation and a final newline,
// fields in the order above; [ParseManifest] refuses unknown fields, a key
// twice, and anything [FormatManifest] would not write back byte for byte.
//
// The statement, release.intoto.json, is unsigned here (package signing
// signs it; the examples/release program writes the bundle beside it): its
// subjects are every file of the release folder but itself — each
// content-addressed copy, each entry point, and release-manifest.json —
// named by their path in the folder and sorted; its predicate is the one
// the caller passes (SLSA provenance, typically).
//
// A release is deterministic: the same dist folder, version, predicate and
// options give a byte-identical folder. Nothing in it needs a time, so the
// clock is never read; [ReleaseOptions].ModTime, from SOURCE_DATE_EPOCH
// ([SourceDateEpoch]), sets the modification time of every file and folder
// written, so that an archive of the folder is reproducible too. Files are
// written with mode 0644 and folders 0755.
//
// The dist folder is read through an [os.Root]: a symbolic link, or any
// file that is not regular, is refused rather than followed. Inputs are
// bounded ([ReleaseOptions] MaxFiles, MaxFileSize, MaxHTMLSize). The release
// is built in a temporary folder beside the destination and renamed into
// place only when complete; the destination must not exist. On error the
// temporary folder is removed, and nothing is left at the destination.
//
// # Checking a release
//
// [CheckRelease] recomputes everything a release folder claims: it parses
// the manifest; measures every file; checks sizes, digests, integrity
// strings and content-addressed names against the manifest; checks that
// an entry point and its copy are identical; checks that the folder holds
// nothing the manifest does not list; checks every <script> and <link> in
// every page that names a released file carries a matching integrity
// attribute; and checks that the statement's subjects are exactly the
// files and digests of the folder. Every rejection is a [*ReleaseError]
// wrapping [ErrReleaseMismatch], with the path, what was expected and what
// was found; an error that does not wrap it means the check could not run
// (an unreadable folder).
//
// # Errors
//
// [ErrBadInput] is wrapped by every error that comes from the caller's
// input: a missing environment variable, a dist folder with a symbolic
// link or a file over a limit, a statement or manifest that does not parse.
// [ErrReleaseMismatch] is wrapped by every rejection of [CheckRelease].
// [ErrNoIntegrity] and [ErrIntegrityMismatch] come from [Integrity.Match].
//
// # What it does not do
//
// It checks nothing about where bytes came from: comparing a live artifact
// with a build, and checking live pages, is package verify's work. It reads
// no network, no clock and no environment variable (callers pass the
// environment). It does not sign (package signing does), does not rewrite references inside
// JavaScript or CSS (imports, url()), and does not minify or otherwise
// change any file but the src, href and integrity values of HTML pages.
package attest
