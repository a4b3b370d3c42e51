// Command gen extracts the Sigstore public-good trusted root from an
// @sigstore/tuf npm package tarball (its seeds.json holds the TUF
// repository's targets, base64-encoded) and writes it, with the package
// version and the file's SHA-256, beside the trust package.
//
//	go run ./internal/gen -version 5.0.1 -tarball sigstore-tuf-5.0.1.tgz -out snapshots
//
// gen.sh fetches the tarball with npm pack and runs this; see SOURCE.md.
package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

const repo = "https://tuf-repo-cdn.sigstore.dev"

func main() {
	version := flag.String("version", "", "the @sigstore/tuf version the tarball is")
	tarball := flag.String("tarball", "", "path of the npm pack tarball")
	out := flag.String("out", "snapshots", "folder to write into")
	flag.Parse()
	if err := run(*version, *tarball, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(version, tarball, out string) error {
	if version == "" || tarball == "" {
		return errors.New("-version and -tarball are required")
	}
	seeds, err := readFromTar(tarball, "package/seeds.json", 1<<20)
	if err != nil {
		return err
	}
	var s map[string]struct {
		Targets map[string]string `json:"targets"`
	}
	if err := json.Unmarshal(seeds, &s); err != nil {
		return fmt.Errorf("seeds.json: %w", err)
	}
	b64, ok := s[repo].Targets["trusted_root.json"]
	if !ok {
		return fmt.Errorf("seeds.json has no %s target trusted_root.json", repo)
	}
	root, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return fmt.Errorf("trusted_root.json: %w", err)
	}
	if !json.Valid(root) {
		return errors.New("trusted_root.json is not JSON")
	}
	name := "public-good@sigstore-tuf-" + version + ".json"
	if err := os.WriteFile(filepath.Join(out, name), root, 0o644); err != nil {
		return err
	}
	sum := sha256.Sum256(root)
	fmt.Printf("%s\t%s\t@sigstore/tuf@%s seeds.json[%q].targets[\"trusted_root.json\"]\n", name, hex.EncodeToString(sum[:]), version, repo)
	return nil
}

func readFromTar(path, name string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%s: no %s", path, name)
		}
		if err != nil {
			return nil, err
		}
		if h.Name == name {
			if h.Size > limit {
				return nil, fmt.Errorf("%s: %s is larger than %d bytes", path, name, limit)
			}
			return io.ReadAll(io.LimitReader(tr, limit))
		}
	}
}
