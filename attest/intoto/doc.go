// Package intoto writes and reads in-toto statements: an in-toto
// Statement v1 about measured artifacts, with SLSA provenance v1 (filled
// from a GitHub Actions environment) or a verification report as its
// predicate. Measuring the artifacts is package
// [github.com/ats-run/selfattest/attest], which compiles only the standard
// library; this package adds the in-toto framework's Go types and their
// protobuf runtime. Signing a statement into a Sigstore bundle is package
// [github.com/ats-run/selfattest/attest/signing]; building a release folder
// around one is package [github.com/ats-run/selfattest/attest/release].
//
// A worked example — what a release job states about a built file:
//
//	d, err := attest.MeasureFile("dist/kms.mjs")
//	if err != nil { … }
//	prov, err := intoto.GitHubProvenance(intoto.FromEnviron(os.Environ()))
//	if err != nil { … } // errors.Is(err, attest.ErrBadInput): a GITHUB_* variable is missing
//	st, err := intoto.NewStatement(prov, intoto.Subject{Name: "kms.mjs", Digests: d})
//	b, err := intoto.MarshalStatement(st) // the same statement always gives the same bytes
//
// # Statements
//
// A statement is an in-toto Statement v1
// (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md),
// held in the in-toto framework's own Go type
// ([github.com/in-toto/attestation/go/v1.Statement]). [NewStatement] builds
// one from a [Predicate] and one or more [Subject]s; every subject carries
// its "sha256" and "sha512" digests, lower-case hex, from [attest.Measure].
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
// [*EnvError] wrapping [attest.ErrBadInput]. GitHub's generator takes the same
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
// The subjects are the artifacts the report is about. This package checks only
// what a statement needs — a JSON object of at most 16 MiB, no key twice,
// and the report schema URI in "schema" — and leaves the rest of the
// report's rules to verify/report.Parse, which reads the bytes
// [ParseVerificationReport] returns. [ReportSchemaV1] is a copy of
// verify/report.SchemaV1, not an import of it, so that writing a
// statement never compiles the verifier; a test holds the two equal. The
// report travels as a protobuf
// Struct inside the statement, so its numbers are IEEE doubles: integers
// stay exact up to 2^53, which every count and log index in a report is.
//
// # Errors
//
// Every error that comes from the caller's input — a missing environment
// variable ([*EnvError]), a statement or predicate that does not parse, a
// statement with no subject — wraps [attest.ErrBadInput]. There is no
// other sentinel: this package checks no claim, it only writes and reads
// them.
//
// # What it does not do
//
// It does not sign (package signing does) and does not verify a signature
// or an identity (package verify/sigstore does). It reads no network, no clock and
// no environment variable (callers pass the environment). It checks of a
// verification report only what a statement needs; the report's own rules
// are verify/report's.
package intoto
