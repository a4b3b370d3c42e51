package release_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"

	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/attest/release"
)

// A release of the sample dist folder: every file gets a content-addressed
// copy, pages stay at their own path too, and the references the release
// cannot rewrite are reported.
func ExampleBuild() {
	out := filepath.Join(os.TempDir(), "selfattest-example-release")
	os.RemoveAll(out)
	defer os.RemoveAll(out)
	pred, err := intoto.GitHubProvenance(intoto.FromEnviron([]string{
		"GITHUB_SERVER_URL=https://github.com", "GITHUB_REPOSITORY=octo/app", "GITHUB_REPOSITORY_ID=1",
		"GITHUB_REPOSITORY_OWNER_ID=2", "GITHUB_REF=refs/tags/v1.0.1", "GITHUB_SHA=0123456789abcdef0123456789abcdef01234567",
		"GITHUB_WORKFLOW_REF=octo/app/.github/workflows/release.yml@refs/tags/v1.0.1", "GITHUB_EVENT_NAME=push",
		"GITHUB_RUN_ID=42", "GITHUB_RUN_ATTEMPT=1", "RUNNER_ENVIRONMENT=github-hosted",
	}))
	if err != nil {
		log.Fatal(err)
	}
	res, err := release.Build(context.Background(), filepath.Join("..", "..", "testdata", "release", "dist"), out, "1.0.1", pred, release.Options{})
	if err != nil {
		log.Fatal(err)
	}
	addressed := regexp.MustCompile(`-v1\.0\.1-[0-9a-f]{8}\.[a-z]+$`)
	for _, f := range res.Manifest.Files {
		fmt.Printf("%s entry point=%v content-addressed=%v\n", f.Path, f.EntryPoint, addressed.MatchString(f.ContentPath))
	}
	for _, u := range res.Unrewritten {
		fmt.Printf("left alone in %s: %s (%s)\n", u.Page, u.Ref, u.Reason)
	}
	if _, err := release.Check(context.Background(), out, release.CheckOptions{}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("the release checks")
	// Output:
	// about.htm entry point=true content-addressed=true
	// assets/app.js entry point=false content-addressed=true
	// assets/style.css entry point=false content-addressed=true
	// index.html entry point=true content-addressed=true
	// left alone in about.htm: index.html (HTML files keep their names)
	// left alone in index.html: favicon.ico (not in the release)
	// left alone in index.html: https://cdn.example.net/vendor.js (absolute URL)
	// the release checks
}
