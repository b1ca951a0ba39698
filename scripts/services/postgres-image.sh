#!/usr/bin/env bash
# Builds the real PostgreSQL test image, 127.0.0.1:5000/slipway-test/postgres:15, without pulling:
# a Debian bookworm rootfs made by debootstrap with postgresql-15, imported with `docker import`,
# and an entrypoint that follows the official image's conventions (POSTGRES_USER / _PASSWORD /
# _DB, data in $PGDATA = /var/lib/postgresql/data, initdb only when PG_VERSION is missing).
# About 75 s and 630 MB, so it is cached: the registry keeps it under a tag named after a hash
# of this recipe, and the build runs only when that tag is missing (a new machine or a new recipe).
set -euo pipefail

REGISTRY="${SLIPWAY_TEST_REGISTRY:-127.0.0.1:5000}"
REPO="$REGISTRY/slipway-test/postgres"
RECIPE_HASH="$(sha256sum "$0" | cut -c1-12)"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

has_tag() {
  curl -fsS -o /dev/null -I -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/slipway-test/postgres/manifests/$1" 2>/dev/null
}

if [ "${FORCE:-0}" != 1 ] && has_tag "recipe-$RECIPE_HASH" && has_tag 15; then
  exit 0
fi
command -v debootstrap >/dev/null || { echo "postgres-image.sh: debootstrap missing (apt-get install debootstrap)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/slipway-pg-image.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/rootfs"
echo "postgres-image.sh: debootstrap bookworm + postgresql-15 (about 75 s)"
debootstrap --variant=minbase --include=postgresql-15 bookworm "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -30 "$WORK/debootstrap.log" >&2; exit 1; }
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*
# The cluster debootstrap's postinst created is not used: each container makes its own in $PGDATA.
rm -rf "$ROOT"/var/lib/postgresql/15 "$ROOT"/etc/postgresql/15

cat >"$ROOT/usr/local/bin/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/sh
# The official postgres image's conventions, for the tests. A command other than "postgres"
# runs instead of the server (e.g. psql as a one-off job or app).
set -e
if [ $# -gt 0 ] && [ "$1" != postgres ]; then exec "$@"; fi
BIN=/usr/lib/postgresql/15/bin
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
USER_NAME="${POSTGRES_USER:-postgres}"
DB_NAME="${POSTGRES_DB:-$USER_NAME}"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
mkdir -p "$PGDATA" /run/postgresql
chown -R postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "entrypoint: initdb in $PGDATA for user $USER_NAME"
  pwfile="$(mktemp)"
  printf '%s' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" >"$pwfile"
  chown postgres "$pwfile"
  as_postgres "$BIN/initdb" -D "$PGDATA" -U "$USER_NAME" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$DB_NAME" != postgres ]; then
    as_postgres "$BIN/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    as_postgres "$BIN/psql" -v ON_ERROR_STOP=1 -U "$USER_NAME" -d postgres -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$USER_NAME\"" >/dev/null
    as_postgres "$BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  echo "entrypoint: database $DB_NAME ready"
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups "$BIN/postgres" -D "$PGDATA"
ENTRYPOINT
chmod 755 "$ROOT/usr/local/bin/docker-entrypoint.sh"

tar -C "$ROOT" -c . | docker import \
  --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV PGDATA=/var/lib/postgresql/data' \
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  --change 'CMD ["postgres"]' \
  --change 'EXPOSE 5432' \
  --change "LABEL slipway-test.recipe=$RECIPE_HASH" \
  - "$REPO:15" >/dev/null
docker tag "$REPO:15" "$REPO:recipe-$RECIPE_HASH"
docker push -q "$REPO:15" >/dev/null
docker push -q "$REPO:recipe-$RECIPE_HASH" >/dev/null
echo "postgres-image.sh: pushed $REPO:15 (recipe $RECIPE_HASH)"
