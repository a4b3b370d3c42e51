#!/usr/bin/env bash
# Re-extracts the embedded public-good trusted root from a pinned
# @sigstore/tuf npm package and prints the line for SNAPSHOTS (name,
# SHA-256, origin). Run through 'go generate ./verify/trust/'.
set -euo pipefail
version=${1:-5.0.1}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@sigstore/tuf@$version" >/dev/null)
go run "$here/internal/gen" -version "$version" -tarball "$tmp/sigstore-tuf-$version.tgz" -out "$here/snapshots"
