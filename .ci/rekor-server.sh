#!/usr/bin/env bash
# Build the real Rekor v2 server (rekor-tiles' POSIX back end) that the
# tests of internal/rekorv2 and verify start on 127.0.0.1, and print the
# path of the binary.
#
# The binary is kept in a cache outside the repository, keyed by version:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/selfattest/rekor-server/<version>/posix
# and reused when present, so a second run costs nothing. It is built with
# `go install module@version` from a scratch directory: the root go.mod is
# never read nor changed. internal/rekorv2.Binary finds the same path (or
# $SELFATTEST_REKOR_SERVER, which overrides it).
#
# Usage: .ci/rekor-server.sh            build if missing, print the path
#        REKOR_SERVER_VERSION=v2.3.0 .ci/rekor-server.sh
set -euo pipefail
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

version=${REKOR_SERVER_VERSION:-v2.3.0}
pkg=github.com/sigstore/rekor-tiles/v2/cmd/rekor-server/posix
dir="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/selfattest/rekor-server/$version"
bin="$dir/posix"

if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$dir"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
start=$(date +%s)
# Build into the scratch dir, then move into place, so an interrupted
# build never leaves a half-written binary at $bin.
(cd "$scratch" && GOBIN="$scratch/bin" GOWORK=off GOFLAGS=-buildvcs=false go install "$pkg@$version") >&2
mv "$scratch/bin/posix" "$bin.tmp"
mv "$bin.tmp" "$bin"
echo "rekor-server: built $pkg@$version in $(( $(date +%s) - start ))s" >&2
echo "$bin"
