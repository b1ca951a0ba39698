#!/usr/bin/env bash
# Builds the edge's test image, 127.0.0.1:5000/slipway-test/caddy:<version>, without pulling:
# Caddy built from the Go module proxy (CGO_ENABLED=0: one static binary) in a FROM scratch
# image laid out like the official caddy:2 image (/usr/bin/caddy, /etc/caddy/Caddyfile,
# /config, /data, XDG_CONFIG_HOME=/config, XDG_DATA_HOME=/data, the same CMD), with busybox
# for a shell as the official Alpine-based image has. The binary is cached under
# ~/.cache/slipway/caddy/<version> (about a minute to build on 2 cores); the image is built
# only when the registry lacks its tag (FORCE=1 rebuilds it). Prints the image reference.
set -euo pipefail

VERSION="${CADDY_VERSION:-v2.11.9}"
REGISTRY="${SLIPWAY_TEST_REGISTRY:-127.0.0.1:5000}"
TAG="${VERSION#v}"
REF="$REGISTRY/slipway-test/caddy:$TAG"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/slipway/caddy/$VERSION"
BUSYBOX=/bin/busybox

has_tag() {
  curl -fsS -o /dev/null -I -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/slipway-test/caddy/manifests/$1" 2>/dev/null
}
if [ "${FORCE:-0}" != 1 ] && has_tag "$TAG"; then
  docker image inspect "$REF" >/dev/null 2>&1 || docker pull -q "$REF" >/dev/null
  echo "$REF"
  exit 0
fi

if [ ! -x "$CACHE/caddy" ]; then
  GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}" # as scripts/k8s/versions.sh
  [ -x "$GO" ] || { echo "caddy-image.sh: no Go toolchain at $GO (set GO=)" >&2; exit 1; }
  echo "caddy-image.sh: building caddy $VERSION from the Go module proxy (about a minute)" >&2
  mkdir -p "$CACHE.tmp"
  CGO_ENABLED=0 GOTOOLCHAIN=local GOBIN="$CACHE.tmp" GOFLAGS=-mod=mod "$GO" install -trimpath -ldflags "-s -w" \
    "github.com/caddyserver/caddy/v2/cmd/caddy@$VERSION" >&2
  rm -rf "$CACHE" && mv "$CACHE.tmp" "$CACHE"
fi
[ -x "$BUSYBOX" ] || { echo "caddy-image.sh: $BUSYBOX missing (apt-get install busybox-static)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/slipway-caddy-image.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/rootfs"
mkdir -p "$ROOT/usr/bin" "$ROOT/bin" "$ROOT/etc/caddy" "$ROOT/config" "$ROOT/data" "$ROOT/tmp" "$ROOT/srv"
cp "$CACHE/caddy" "$ROOT/usr/bin/caddy"
cp "$BUSYBOX" "$ROOT/bin/busybox"
for applet in sh cat ls wget; do ln -s busybox "$ROOT/bin/$applet"; done
chmod 1777 "$ROOT/tmp"
# The official image's default Caddyfile: a static site on :80.
printf ':80 {\n\troot * /usr/share/caddy\n\tfile_server\n}\n' >"$ROOT/etc/caddy/Caddyfile"
cat >"$WORK/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/bin:/bin XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data
EXPOSE 80 443 443/udp 2019
WORKDIR /srv
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
DOCKERFILE
docker build -q -t "$REF" "$WORK" >/dev/null 2>"$WORK/build.err" || { cat "$WORK/build.err" >&2; exit 1; }
docker push -q "$REF" >/dev/null
echo "$REF"
