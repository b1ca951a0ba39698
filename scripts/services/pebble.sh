#!/usr/bin/env bash
# Builds Pebble, Let's Encrypt's ACME test server, from the Go module proxy (about 15 s), once
# per version into ~/.cache/slipway/pebble/<version>; prints the binary's path. The edge tests
# start it themselves (test/support/pebble.ts).
set -euo pipefail
VERSION="${PEBBLE_VERSION:-v2.10.3}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/slipway/pebble/$VERSION"
if [ ! -x "$CACHE/pebble" ]; then
  GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}" # as scripts/k8s/versions.sh
  [ -x "$GO" ] || { echo "pebble.sh: no Go toolchain at $GO (set GO=)" >&2; exit 1; }
  echo "pebble.sh: building pebble $VERSION from the Go module proxy" >&2
  mkdir -p "$CACHE.tmp"
  CGO_ENABLED=0 GOTOOLCHAIN=local GOBIN="$CACHE.tmp" GOFLAGS=-mod=mod "$GO" install -trimpath -ldflags "-s -w" \
    "github.com/letsencrypt/pebble/v2/cmd/pebble@$VERSION" >&2
  rm -rf "$CACHE" && mv "$CACHE.tmp" "$CACHE"
fi
echo "$CACHE/pebble"
