#!/usr/bin/env bash
# Builds the real MySQL-protocol test image, 127.0.0.1:5000/slipway-test/mysql:8, without
# pulling: a Debian bookworm rootfs made by debootstrap with mariadb-server (10.11, the MySQL
# protocol; Debian has no MySQL), imported with `docker import`, whose entrypoint follows the
# official mysql image's docker-entrypoint.sh: MYSQL_ROOT_PASSWORD (or MYSQL_ALLOW_EMPTY_PASSWORD /
# MYSQL_RANDOM_ROOT_PASSWORD) required, MYSQL_DATABASE created, MYSQL_USER / MYSQL_PASSWORD
# created with all rights on it, /var/lib/mysql initialised only when it holds no `mysql`
# system schema, a temporary server without networking during the initialisation (so a tcp
# readiness check passes only once the real server listens), arguments starting with "-" go to
# mysqld, any other command runs as given. The `mysql` client is in PATH.
# Cached like postgres-image.sh: the registry keeps it under a tag named after a hash of this
# recipe, and the build runs only when that tag is missing.
set -euo pipefail

REGISTRY="${SLIPWAY_TEST_REGISTRY:-127.0.0.1:5000}"
REPO="$REGISTRY/slipway-test/mysql"
RECIPE_HASH="$(sha256sum "$0" | cut -c1-12)"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

has_tag() {
  curl -fsS -o /dev/null -I -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/slipway-test/mysql/manifests/$1" 2>/dev/null
}

if [ "${FORCE:-0}" != 1 ] && has_tag "recipe-$RECIPE_HASH" && has_tag 8; then
  exit 0
fi
command -v debootstrap >/dev/null || { echo "mysql-image.sh: debootstrap missing (apt-get install debootstrap)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/slipway-mysql-image.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/rootfs"
echo "mysql-image.sh: debootstrap bookworm + mariadb-server (about 90 s)"
debootstrap --variant=minbase --include=mariadb-server,mariadb-client bookworm "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -30 "$WORK/debootstrap.log" >&2; exit 1; }
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/locale/*
# The data directory the package's postinst initialised is not used: each container initialises
# its own. It stays, empty and owned by mysql, so Docker gives a new named volume that owner.
rm -rf "$ROOT"/var/lib/mysql
mkdir -p "$ROOT/var/lib/mysql" "$ROOT/run/mysqld"
chroot "$ROOT" chown mysql:mysql /var/lib/mysql /run/mysqld
# Debian's 50-server.cnf binds to 127.0.0.1; a container listens on every interface, like the official image.
cat >"$ROOT/etc/mysql/mariadb.conf.d/99-docker.cnf" <<'CNF'
[mariadbd]
bind-address = 0.0.0.0
skip-name-resolve
CNF

cat >"$ROOT/usr/local/bin/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/bash
# The official mysql image's conventions (docker-entrypoint.sh), on MariaDB, with setpriv instead of gosu.
set -eo pipefail
log() { echo "entrypoint: $*"; }
fail() { echo "entrypoint: error: $*" >&2; exit 1; }
# first arg is `-f` or `--some-option`: they are mysqld's
if [ "${1:0:1}" = - ]; then set -- mysqld "$@"; fi
if [ "$1" != mysqld ] && [ "$1" != mariadbd ]; then exec "$@"; fi
shift
DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$DATADIR" /run/mysqld
  find "$DATADIR" /run/mysqld \! -user mysql -exec chown mysql:mysql '{}' +
  exec setpriv --reuid=mysql --regid=mysql --init-groups "$0" mysqld "$@"
fi
# A string as a single-quoted SQL literal's content.
sql_escape() { local s=${1//\\/\\\\}; echo "${s//\'/\\\'}"; }

if [ ! -d "$DATADIR/mysql" ]; then
  if [ -z "$MYSQL_ROOT_PASSWORD" ] && [ -z "$MYSQL_ALLOW_EMPTY_PASSWORD" ] && [ -z "$MYSQL_RANDOM_ROOT_PASSWORD" ]; then
    fail 'database is uninitialized and password option is not specified: you need to specify one of MYSQL_ROOT_PASSWORD, MYSQL_ALLOW_EMPTY_PASSWORD and MYSQL_RANDOM_ROOT_PASSWORD'
  fi
  [ "$MYSQL_USER" = root ] && fail 'MYSQL_USER="root", MYSQL_USER and MYSQL_PASSWORD are for configuring a regular user and cannot be used for the root user'
  log "initializing database files in $DATADIR"
  mariadb-install-db --datadir="$DATADIR" --rpm --auth-root-authentication-method=normal --skip-test-db \
    --skip-log-bin --default-time-zone=SYSTEM >/dev/null
  # A temporary server without networking: nothing outside sees a half-initialised database.
  mariadbd --skip-networking --socket="$SOCKET" --skip-log-bin "$@" &
  pid=$!
  for _ in $(seq 60); do
    mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || fail 'the temporary server exited'
    sleep 0.5
  done
  mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 || fail 'the temporary server did not start within 30 s'
  if [ -n "$MYSQL_RANDOM_ROOT_PASSWORD" ]; then
    MYSQL_ROOT_PASSWORD="$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32)"
    log "GENERATED ROOT PASSWORD: $MYSQL_ROOT_PASSWORD"
  fi
  root_pw="$(sql_escape "$MYSQL_ROOT_PASSWORD")"
  sql="SET @@SESSION.SQL_LOG_BIN=0;
SET @@SESSION.SQL_MODE=REPLACE(@@SESSION.SQL_MODE, 'NO_BACKSLASH_ESCAPES', '');
DROP USER IF EXISTS root@'127.0.0.1', root@'::1', ''@'localhost';
EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\\'', @@hostname, '\\', \\'\\'@\\'', @@hostname, '\\'');
SET PASSWORD FOR 'root'@'localhost' = PASSWORD('$root_pw');
CREATE USER 'root'@'${MYSQL_ROOT_HOST:-%}' IDENTIFIED BY '$root_pw';
GRANT ALL ON *.* TO 'root'@'${MYSQL_ROOT_HOST:-%}' WITH GRANT OPTION;"
  if [ -n "$MYSQL_DATABASE" ]; then
    log "creating database $MYSQL_DATABASE"
    sql+=$'\n'"CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\`;"
  fi
  if [ -n "$MYSQL_USER" ] && [ -n "$MYSQL_PASSWORD" ]; then
    log "creating user $MYSQL_USER"
    sql+=$'\n'"CREATE USER '$(sql_escape "$MYSQL_USER")'@'%' IDENTIFIED BY '$(sql_escape "$MYSQL_PASSWORD")';"
    [ -n "$MYSQL_DATABASE" ] && sql+=$'\n'"GRANT ALL ON \`$MYSQL_DATABASE\`.* TO '$(sql_escape "$MYSQL_USER")'@'%';"
  fi
  sql+=$'\n'"FLUSH PRIVILEGES;"
  # Passwords go through stdin, never through argv (ps) or the log.
  printf '%s\n' "$sql" | mariadb --protocol=socket --socket="$SOCKET" -uroot --database=mysql
  kill "$pid"
  wait "$pid" || true
  log 'MySQL init process done. Ready for start up.'
fi
exec mariadbd "$@"
ENTRYPOINT
chmod 755 "$ROOT/usr/local/bin/docker-entrypoint.sh"

tar -C "$ROOT" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  --change 'CMD ["mysqld"]' \
  --change 'EXPOSE 3306' \
  --change "LABEL slipway-test.recipe=$RECIPE_HASH" \
  - "$REPO:8" >/dev/null
docker tag "$REPO:8" "$REPO:recipe-$RECIPE_HASH"
docker push -q "$REPO:8" >/dev/null
docker push -q "$REPO:recipe-$RECIPE_HASH" >/dev/null
echo "mysql-image.sh: pushed $REPO:8 (recipe $RECIPE_HASH)"
