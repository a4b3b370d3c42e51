// Package quorum counts independent verifiers that agree.
//
// One verifier's word is one verifier's word. Independent verifiers can
// each verify a release, sign what they saw as a
// verification-report attestation (an in-toto statement whose predicate
// type is intoto.VerificationReportV1 and whose predicate is a report of
// package verify/report), and publish it; anyone can then count. [Verify]
// does the counting: given the attestations (Sigstore bundles), the
// identities of the verifiers whose word counts ([Member]s, each a
// sigstore.Policy), a threshold k and the artifact the question is about, it
// passes when k distinct members signed reports that passed and name the
// same subject digests.
//
// # Rules
//
//   - Each bundle is verified with the caller's [sigstore.Verifier]
//     against the artifact and each member's policy (with the
//     verification-report predicate type required); the first member whose
//     policy it satisfies is its author. A bundle no member signed, or that
//     does not verify, or whose report does not parse, is [Ignored] with
//     the reason: it counts for nothing.
//   - A member counts once, however many bundles it signed. A member whose
//     reports disagree with each other (one passes, one fails, or they
//     name different subjects) is a dissenter.
//   - A vote is the report's status and the statement's subjects (names
//     and digests). Members that voted "pass" for identical subjects form
//     a group; the largest group agrees. Every other verified vote —
//     "fail", "error", or "pass" for other subjects — is dissent, listed
//     with what it saw: disagreement is reported, never averaged away.
//   - The quorum holds when the agreeing group has at least k members and
//     no other group of "pass" votes is as large (two equal groups that
//     disagree are no answer). Otherwise [Verify] returns a [*Error]
//     wrapping verify.ErrVerification, with the [Result] inside.
//
// # What it does not do
//
// It does not check that members are independent in fact (distinct
// organisations, keys in distinct hands): the caller's list of members
// says who counts. It does not read the reports' checks; a member's
// report is its verdict.
package quorum
