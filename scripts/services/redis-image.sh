#!/usr/bin/env bash
# Builds the real Redis test image, 127.0.0.1:5000/slipway-test/redis:7, without pulling: a
# Debian bookworm rootfs made by debootstrap with redis-server (7.0), imported with `docker
# import`, behaving like the official redis image: ENTRYPOINT docker-entrypoint.sh, CMD
# redis-server, WORKDIR /data; arguments that start with "-" (or a *.conf) go to redis-server,
# `redis-server …` runs as the redis user after /data is chowned to it, any other command runs
# as given (so redis-cli or sh can run in it as a one-off or an app). redis-cli is in PATH.
# Cached like postgres-image.sh: the registry keeps it under a tag named after a hash of this
# recipe, and the build runs only when that tag is missing.
set -euo pipefail

REGISTRY="${SLIPWAY_TEST_REGISTRY:-127.0.0.1:5000}"
REPO="$REGISTRY/slipway-test/redis"
RECIPE_HASH="$(sha256sum "$0" | cut -c1-12)"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

has_tag() {
  curl -fsS -o /dev/null -I -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/slipway-test/redis/manifests/$1" 2>/dev/null
}

if [ "${FORCE:-0}" != 1 ] && has_tag "recipe-$RECIPE_HASH" && has_tag 7; then
  exit 0
fi
command -v debootstrap >/dev/null || { echo "redis-image.sh: debootstrap missing (apt-get install debootstrap)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/slipway-redis-image.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/rootfs"
echo "redis-image.sh: debootstrap bookworm + redis-server (about 60 s)"
debootstrap --variant=minbase --include=redis-server bookworm "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -30 "$WORK/debootstrap.log" >&2; exit 1; }
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/locale/*
# An empty /data owned by redis: Docker copies it (and its owner) into a new named volume.
mkdir -p "$ROOT/data"
chroot "$ROOT" chown redis:redis /data

cat >"$ROOT/usr/local/bin/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/sh
# The official redis image's docker-entrypoint.sh, with setpriv instead of gosu.
set -e
# first arg is `-f` or `--some-option`, or `something.conf`: they are redis-server's
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
um="$(umask)"
if [ "$um" = 0022 ]; then umask 0077; fi
exec "$@"
ENTRYPOINT
chmod 755 "$ROOT/usr/local/bin/docker-entrypoint.sh"

tar -C "$ROOT" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'WORKDIR /data' \
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  --change 'CMD ["redis-server"]' \
  --change 'EXPOSE 6379' \
  --change "LABEL slipway-test.recipe=$RECIPE_HASH" \
  - "$REPO:7" >/dev/null
docker tag "$REPO:7" "$REPO:recipe-$RECIPE_HASH"
docker push -q "$REPO:7" >/dev/null
docker push -q "$REPO:recipe-$RECIPE_HASH" >/dev/null
echo "redis-image.sh: pushed $REPO:7 (recipe $RECIPE_HASH)"
