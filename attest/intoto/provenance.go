package intoto

import (
	"fmt"
	"strings"

	"github.com/ats-run/selfattest/attest"
	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intotov1 "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"
)

// SLSAProvenanceV1 is the predicate type of SLSA provenance v1.
const SLSAProvenanceV1 = "https://slsa.dev/provenance/v1"

// GitHubWorkflowBuildType is the build type [GitHubProvenance] writes,
// the one GitHub's own provenance generator uses.
const GitHubWorkflowBuildType = "https://actions.github.io/buildtypes/workflow/v1"

// SLSAProvenance is SLSA provenance v1 as a [Predicate]. Fill the
// framework's type by hand, or get it from [GitHubProvenance].
type SLSAProvenance struct {
	*slsa.Provenance
}

// PredicateType returns [SLSAProvenanceV1].
func (p SLSAProvenance) PredicateType() string { return SLSAProvenanceV1 }

// PredicateJSON returns the provenance as JSON after checking it holds
// what SLSA Build L1 requires (a build type, external parameters, a
// builder id). Errors wrap [attest.ErrBadInput].
func (p SLSAProvenance) PredicateJSON() ([]byte, error) {
	if p.Provenance == nil {
		return nil, fmt.Errorf("%w: provenance: nil", attest.ErrBadInput)
	}
	if err := p.Provenance.Validate(); err != nil {
		return nil, fmt.Errorf("%w: provenance: %w", attest.ErrBadInput, err)
	}
	return stableJSON(p.Provenance)
}

// FromEnviron turns an environment as [os.Environ] returns it
// ("KEY=value" strings) into a lookup function for [GitHubProvenance]. A
// variable given twice takes its last value, as in a shell.
func FromEnviron(environ []string) func(string) string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return func(k string) string { return m[k] }
}

// GitHubProvenance returns SLSA provenance v1 for the GitHub Actions run
// described by getenv (the mapping is in the package documentation). It
// reads nothing but getenv. A missing or malformed variable is an
// [*EnvError] wrapping [attest.ErrBadInput].
func GitHubProvenance(getenv func(string) string) (SLSAProvenance, error) {
	if getenv == nil {
		return SLSAProvenance{}, fmt.Errorf("%w: provenance: nil getenv", attest.ErrBadInput)
	}
	var firstErr error
	get := func(name string, check func(string) string) string {
		v := getenv(name)
		problem := ""
		switch {
		case v == "":
			problem = "missing"
		case check != nil:
			problem = check(v)
		case !printable(v):
			problem = "not printable ASCII"
		}
		if problem != "" && firstErr == nil {
			firstErr = &EnvError{Name: name, Value: v, Problem: problem}
		}
		return v
	}
	server := strings.TrimSuffix(get("GITHUB_SERVER_URL", func(v string) string {
		if !strings.HasPrefix(v, "https://") || !printable(v) || strings.ContainsAny(v, " ?#@") {
			return "not an https URL"
		}
		return ""
	}), "/")
	repo := get("GITHUB_REPOSITORY", func(v string) string {
		owner, name, ok := strings.Cut(v, "/")
		if !ok || owner == "" || name == "" || strings.Contains(name, "/") || !printable(v) || strings.ContainsAny(v, " @") {
			return `not "owner/name"`
		}
		return ""
	})
	workflowRef := get("GITHUB_WORKFLOW_REF", nil)
	ref := get("GITHUB_REF", nil)
	sha := get("GITHUB_SHA", func(v string) string {
		if len(v) != 40 || !isLowerHex(v) {
			return "not 40 lower-case hex digits"
		}
		return ""
	})
	event := get("GITHUB_EVENT_NAME", nil)
	repoID := get("GITHUB_REPOSITORY_ID", digitsOnly)
	ownerID := get("GITHUB_REPOSITORY_OWNER_ID", digitsOnly)
	runner := get("RUNNER_ENVIRONMENT", nil)
	runID := get("GITHUB_RUN_ID", digitsOnly)
	attempt := get("GITHUB_RUN_ATTEMPT", digitsOnly)
	if firstErr != nil {
		return SLSAProvenance{}, firstErr
	}
	// owner/repo/.github/workflows/release.yml@refs/heads/main
	rest, ok := strings.CutPrefix(workflowRef, repo+"/")
	path, wref, ok2 := strings.Cut(rest, "@")
	if !ok || !ok2 || path == "" || wref == "" {
		return SLSAProvenance{}, &EnvError{Name: "GITHUB_WORKFLOW_REF", Value: workflowRef,
			Problem: fmt.Sprintf(`not "%s/<path>@<ref>"`, repo)}
	}
	external, err := structpb.NewStruct(map[string]any{
		"workflow": map[string]any{
			"ref":        wref,
			"repository": server + "/" + repo,
			"path":       path,
		},
	})
	if err != nil {
		return SLSAProvenance{}, fmt.Errorf("%w: provenance: %w", attest.ErrBadInput, err)
	}
	internal, err := structpb.NewStruct(map[string]any{
		"github": map[string]any{
			"event_name":          event,
			"repository_id":       repoID,
			"repository_owner_id": ownerID,
			"runner_environment":  runner,
		},
	})
	if err != nil {
		return SLSAProvenance{}, fmt.Errorf("%w: provenance: %w", attest.ErrBadInput, err)
	}
	p := &slsa.Provenance{
		BuildDefinition: &slsa.BuildDefinition{
			BuildType:          GitHubWorkflowBuildType,
			ExternalParameters: external,
			InternalParameters: internal,
			ResolvedDependencies: []*intotov1.ResourceDescriptor{{
				Uri:    "git+" + server + "/" + repo + "@" + ref,
				Digest: map[string]string{"gitCommit": sha},
			}},
		},
		RunDetails: &slsa.RunDetails{
			Builder: &slsa.Builder{Id: server + "/" + workflowRef},
			Metadata: &slsa.BuildMetadata{
				InvocationId: server + "/" + repo + "/actions/runs/" + runID + "/attempts/" + attempt,
			},
		},
	}
	if err := p.Validate(); err != nil {
		return SLSAProvenance{}, fmt.Errorf("%w: provenance: %w", attest.ErrBadInput, err)
	}
	return SLSAProvenance{p}, nil
}

func digitsOnly(v string) string {
	if len(v) > 20 {
		return "too long"
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return "not decimal digits"
		}
	}
	return ""
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// printable reports whether s is printable ASCII, space included.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
