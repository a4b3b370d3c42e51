package intoto

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/attest"
)

func TestGitHubProvenance(t *testing.T) {
	p := fixtureProvenance(t)
	got, err := p.PredicateJSON()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/provenance.json")
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, got, want)
	if p.PredicateType() != "https://slsa.dev/provenance/v1" {
		t.Fatal(p.PredicateType())
	}
}

func TestGitHubProvenanceRejects(t *testing.T) {
	base := readEnv(t, "testdata/github.env")
	with := func(name, value string) []string {
		var env []string
		for _, kv := range base {
			if !strings.HasPrefix(kv, name+"=") {
				env = append(env, kv)
			}
		}
		if value != "\x00unset" {
			env = append(env, name+"="+value)
		}
		return env
	}
	tests := []struct {
		name, variable, value string
	}{
		{"no server", "GITHUB_SERVER_URL", "\x00unset"},
		{"http server", "GITHUB_SERVER_URL", "http://github.com"},
		{"no repository", "GITHUB_REPOSITORY", "\x00unset"},
		{"repository without owner", "GITHUB_REPOSITORY", "ats-kms-enclave"},
		{"repository too deep", "GITHUB_REPOSITORY", "a/b/c"},
		{"no workflow ref", "GITHUB_WORKFLOW_REF", "\x00unset"},
		{"workflow ref of another repo", "GITHUB_WORKFLOW_REF", "other/repo/.github/workflows/release.yml@refs/tags/v1.0.1"},
		{"workflow ref without @", "GITHUB_WORKFLOW_REF", "Lukium/ats-kms-enclave/.github/workflows/release.yml"},
		{"no ref", "GITHUB_REF", "\x00unset"},
		{"no sha", "GITHUB_SHA", "\x00unset"},
		{"short sha", "GITHUB_SHA", "bf23208"},
		{"upper-case sha", "GITHUB_SHA", "BF23208C1F0E4A5D8A3B6C7D9E0F1A2B3C4D5E6F"},
		{"no event", "GITHUB_EVENT_NAME", "\x00unset"},
		{"no repository id", "GITHUB_REPOSITORY_ID", "\x00unset"},
		{"repository id not a number", "GITHUB_REPOSITORY_ID", "12a"},
		{"no owner id", "GITHUB_REPOSITORY_OWNER_ID", "\x00unset"},
		{"no runner environment", "RUNNER_ENVIRONMENT", "\x00unset"},
		{"no run id", "GITHUB_RUN_ID", "\x00unset"},
		{"no attempt", "GITHUB_RUN_ATTEMPT", "\x00unset"},
		{"attempt not a number", "GITHUB_RUN_ATTEMPT", "1/../2"},
		{"control character", "GITHUB_EVENT_NAME", "push\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := GitHubProvenance(FromEnviron(with(tt.variable, tt.value)))
			var ee *EnvError
			if !errors.Is(err, attest.ErrBadInput) || !errors.As(err, &ee) || ee.Name != tt.variable {
				t.Fatalf("err = %v, want an *EnvError for %s wrapping ErrBadInput", err, tt.variable)
			}
		})
	}
	if _, err := GitHubProvenance(nil); !errors.Is(err, attest.ErrBadInput) {
		t.Fatalf("nil getenv: %v", err)
	}
}
