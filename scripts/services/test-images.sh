#!/usr/bin/env bash
# Builds Slipway's test images FROM scratch with Debian's static busybox (nothing is pulled)
# and pushes them to the test registry. An image already in the registry is not rebuilt
# unless FORCE=1; an image built locally but missing from the registry is only pushed.
#   app:v1, app:v2     busybox httpd on :8080; / = version, /healthz = ok, /env.txt = $GREETING,
#                      /data -> the /data directory (for volume tests)
#   never-ready:v1     runs forever, never serves
#   slow-ready:v1      serves like app:v1 only after $READY_DELAY seconds (default 5)
#   crash:v1           exits 1 after ~2 s
#   pause:v1           sleeps until TERM: the sandbox image of the test cluster's real node
set -euo pipefail

REGISTRY="${SLIPWAY_TEST_REGISTRY:-127.0.0.1:5000}"
PREFIX="$REGISTRY/slipway-test"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || { echo "test-images.sh: $BUSYBOX missing (apt-get install busybox-static)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# `docker build` with the legacy builder (no buildx plugin here) warns on every call: keep its
# stderr and show it only when the build fails.
build() {
  if ! docker build -q "$@" >/dev/null 2>"$WORK/build.err"; then
    cat "$WORK/build.err" >&2
    return 1
  fi
}

# One base layer (busybox + applet symlinks) shared by every image, so each image adds a few bytes.
BASE=slipway-test-base:busybox
RECIPE_VERSION=4 # bump when an entrypoint below changes, to rebuild everything
build_base() {
  mkdir -p "$WORK/base/rootfs/bin" "$WORK/base/rootfs/tmp" "$WORK/base/rootfs/www"
  cp "$BUSYBOX" "$WORK/base/rootfs/bin/busybox"
  for applet in sh ash cat echo ls mkdir rm sleep printf env nc wget httpd ln true false kill grep; do
    ln -s busybox "$WORK/base/rootfs/bin/$applet"
  done
  chmod 1777 "$WORK/base/rootfs/tmp"
  cat >"$WORK/base/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
ENV PATH=/bin
DOCKERFILE
  build -t "$BASE" --label "slipway-test.recipe=$RECIPE_VERSION" "$WORK/base"
}
if [ "$(docker image inspect -f '{{index .Config.Labels "slipway-test.recipe"}}' "$BASE" 2>/dev/null || true)" != "$RECIPE_VERSION" ]; then
  build_base
  FORCE=1
fi

# The HTTP app: sh stays PID 1 and forwards TERM so that `docker stop` is quick.
serve_script() { # serve_script <version> <extra lines before serving>
  cat <<SCRIPT
#!/bin/sh
# A command given to the container (Cmd) runs instead of the app, like an image without ENTRYPOINT.
[ \$# -gt 0 ] && exec "\$@"
$2
printf '%s' '$1' > /www/index.html
printf 'ok' > /www/healthz
printf '%s' "\${GREETING:-}" > /www/env.txt
[ -d /data ] && ln -sfn /data /www/data
httpd -f -p "\${PORT:-8080}" -h /www &
pid=\$!
trap 'kill \$pid 2>/dev/null; exit 0' TERM INT
wait \$pid
SCRIPT
}

registry_has() { # registry_has <name> <tag>
  curl -fsS -o /dev/null -I \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/slipway-test/$1/manifests/$2"
}

image() { # image <name> <tag> <entrypoint script>
  local ref="$PREFIX/$1:$2" dir="$WORK/$1-$2"
  if [ "${FORCE:-0}" != 1 ] && registry_has "$1" "$2"; then return 0; fi
  if [ "${FORCE:-0}" = 1 ] || ! docker image inspect "$ref" >/dev/null 2>&1; then
    mkdir -p "$dir"
    printf '%s\n' "$3" >"$dir/entrypoint.sh"
    chmod 755 "$dir/entrypoint.sh"
    cat >"$dir/Dockerfile" <<DOCKERFILE
FROM $BASE
COPY entrypoint.sh /entrypoint.sh
EXPOSE 8080
ENTRYPOINT ["/entrypoint.sh"]
DOCKERFILE
    build -t "$ref" --label "slipway-test.image=$1:$2" "$dir"
  fi
  docker push -q "$ref" >/dev/null
  echo "test-images.sh: pushed $ref"
}

image app v1 "$(serve_script v1 '')"
image app v2 "$(serve_script v2 '')"
image slow-ready v1 "$(serve_script v1 'trap "exit 0" TERM INT
sleep "${READY_DELAY:-5}" & wait $!')"
image never-ready v1 '#!/bin/sh
trap "exit 0" TERM INT
while :; do sleep 3600 & wait $!; done'
image pause v1 '#!/bin/sh
trap "exit 0" TERM INT
while :; do sleep 3600 & wait $!; done'
image crash v1 '#!/bin/sh
echo "crash: starting, will exit 1" >&2
sleep 2
echo "crash: exiting 1" >&2
exit 1'
