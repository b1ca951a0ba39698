#!/usr/bin/env bash
# Starts the real services Slipway's integration tests talk to: Docker Engine, a registry on
# 127.0.0.1:5000, PostgreSQL 15 on 127.0.0.1:5432, and the FROM-scratch test images.
# Idempotent: anything already answering is left alone. Run as root on Debian bookworm.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DOCKER_DATA=/var/lib/slipway-test-docker
DOCKER_LOG=/var/log/slipway-dockerd.log
REGISTRY_DIR=/var/lib/slipway-test-registry
REGISTRY_CONFIG="$REGISTRY_DIR/config.yml"
REGISTRY_LOG=/var/log/slipway-registry.log
REGISTRY_ADDR="${SLIPWAY_TEST_REGISTRY:-127.0.0.1:5000}"
PG_PASSWORD=slipway
PG_DB=slipway_test
RUN_DIR=/run/slipway-test-services

fail() { echo "up.sh: FAILED: $*" >&2; exit 1; }
. "$HERE/../lib/pid-files.sh"
[ "$(id -u)" = 0 ] || fail "must run as root"
mkdir -p "$RUN_DIR"

# --- packages -----------------------------------------------------------------------------
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
[ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1 && dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /usr/lib/postgresql/15 ] || need+=(postgresql)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v curl >/dev/null 2>&1 || need+=(curl)
# ssh git remotes (test/integration/build/git-ssh.test.ts starts its own sshd; installed only, never started here).
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
if [ "${#need[@]}" -gt 0 ]; then
  echo "up.sh: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null || fail "apt-get update"
  apt-get install -y -q "${need[@]}" >/dev/null || fail "apt-get install ${need[*]}"
fi

wait_for() { # wait_for <seconds> <description> <command...>
  local deadline=$((SECONDS + $1)) what="$2"; shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.3
  done
}

# --- Docker Engine ------------------------------------------------------------------------
docker_ping() { curl -fsS --max-time 2 --unix-socket /var/run/docker.sock http://docker/_ping; }
if ! docker_ping >/dev/null 2>&1; then
  echo "up.sh: starting dockerd (data root $DOCKER_DATA, log $DOCKER_LOG)"
  mkdir -p "$DOCKER_DATA"
  rm -f /var/run/docker.pid
  # dockerd reuses the containerd its pid file names if any process has that pid, and then
  # waits for a socket that never comes.
  forget_stale_pid_file /var/run/docker/containerd/containerd.pid containerd
  # /24 networks from 172.16.0.0/12: room for thousands of environment networks, where the
  # default pools hold about thirty.
  nohup dockerd --data-root "$DOCKER_DATA" --default-address-pool base=172.16.0.0/12,size=24 \
    >"$DOCKER_LOG" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/dockerd.pid"
  wait_for 60 dockerd docker_ping || { tail -n 30 "$DOCKER_LOG" >&2; fail "dockerd did not answer /_ping within 60 s (log: $DOCKER_LOG)"; }
fi

# Networks of Slipway environments that no container uses any more (a test run that died
# before its cleanup) would use up the engine's address pools: remove them. Slipway creates
# an environment's network again when it needs it.
for network in $(docker network ls -q --filter label=slipway.managed=true 2>/dev/null); do
  if [ "$(docker network inspect -f '{{len .Containers}}' "$network" 2>/dev/null)" = 0 ]; then
    docker network rm "$network" >/dev/null 2>&1 || true
  fi
done

# --- registry -----------------------------------------------------------------------------
registry_ping() { curl -fsS --max-time 2 "http://$REGISTRY_ADDR/v2/"; }
if ! registry_ping >/dev/null 2>&1; then
  echo "up.sh: starting docker-registry on $REGISTRY_ADDR (storage $REGISTRY_DIR)"
  mkdir -p "$REGISTRY_DIR/data"
  cat >"$REGISTRY_CONFIG" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
YAML
  nohup docker-registry serve "$REGISTRY_CONFIG" >"$REGISTRY_LOG" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/registry.pid"
  wait_for 30 registry registry_ping || { tail -n 30 "$REGISTRY_LOG" >&2; fail "registry did not answer http://$REGISTRY_ADDR/v2/ within 30 s (log: $REGISTRY_LOG)"; }
fi

# --- PostgreSQL 15 ------------------------------------------------------------------------
pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432; }
if ! pg_ready; then
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1,$2}' | grep -qx '15 main'; then
    echo "up.sh: creating PostgreSQL cluster 15/main"
    pg_createcluster 15 main >/dev/null || fail "pg_createcluster 15 main"
  fi
  # (pg_ctlcluster itself removes a postmaster.pid whose pid runs something else.)
  echo "up.sh: starting PostgreSQL 15/main"
  pg_ctlcluster 15 main start || fail "pg_ctlcluster 15 main start (see /var/log/postgresql/postgresql-15-main.log)"
  wait_for 30 postgres pg_ready || fail "PostgreSQL did not accept connections on 127.0.0.1:5432 within 30 s"
fi
psql_root() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_root -c "ALTER USER postgres WITH PASSWORD '$PG_PASSWORD'" >/dev/null || fail "setting the postgres password"
if [ "$(psql_root -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
  psql_root -c "CREATE DATABASE $PG_DB" >/dev/null || fail "creating database $PG_DB"
fi
PGPASSWORD=$PG_PASSWORD psql -X -h 127.0.0.1 -U postgres -d "$PG_DB" -tAc 'SELECT 1' >/dev/null \
  || fail "cannot connect as postgres:$PG_PASSWORD@127.0.0.1:5432/$PG_DB (check pg_hba.conf allows md5/scram on 127.0.0.1)"

# --- browser for the web console tests (test/integration/console) ---------------------------
# Debian's Chromium, driven by playwright-core (which cannot download its own browser here).
if ! command -v chromium >/dev/null 2>&1; then
  echo "up.sh: installing chromium (console tests)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; } || fail "apt-get install chromium"
fi

# --- test images --------------------------------------------------------------------------
SLIPWAY_TEST_REGISTRY="$REGISTRY_ADDR" "$HERE/test-images.sh" || fail "building/pushing the test images"
# The real PostgreSQL image (debootstrap, ~75 s): built only when the registry lacks its recipe's tag.
command -v debootstrap >/dev/null || apt-get install -y -q debootstrap >/dev/null 2>&1 || true
SLIPWAY_TEST_REGISTRY="$REGISTRY_ADDR" "$HERE/postgres-image.sh" || fail "building/pushing the postgres test image"
# Redis and MySQL (MariaDB) from Debian's packages behind the official images' entrypoints, cached the same way
# (about 35 s and 80 s once). MongoDB has no Debian package, so there is no MongoDB test image.
SLIPWAY_TEST_REGISTRY="$REGISTRY_ADDR" "$HERE/redis-image.sh" || fail "building/pushing the redis test image"
SLIPWAY_TEST_REGISTRY="$REGISTRY_ADDR" "$HERE/mysql-image.sh" || fail "building/pushing the mysql test image"
# The edge: Caddy built from the Go module proxy (binary cached in ~/.cache/slipway/caddy, about
# a minute once) in a FROM scratch image laid out like the official caddy:2 image.
SLIPWAY_TEST_REGISTRY="$REGISTRY_ADDR" "$HERE/caddy-image.sh" >/dev/null || fail "building/pushing the caddy test image (scripts/services/caddy-image.sh)"
# Pebble, the ACME test server the edge tests start (binary cached in ~/.cache/slipway/pebble).
"$HERE/pebble.sh" >/dev/null || fail "building pebble (scripts/services/pebble.sh)"

# --- API fuzzer (test/integration/api-fuzz.test.ts) --------------------------------------------
# schemathesis from PyPI in a virtualenv, installed once per machine (keyed by its pinned requirements).
schemathesis_bin="$("$HERE/schemathesis.sh" | tail -n 1)" || fail "installing schemathesis (scripts/services/schemathesis.sh)"

echo "docker     unix:///var/run/docker.sock (engine $(curl -fsS --unix-socket /var/run/docker.sock http://docker/version | sed -n 's/.*"Version":"\([^"]*\)".*/\1/p' | head -c 20))"
echo "registry   http://$REGISTRY_ADDR/v2/"
echo "postgresql postgres://postgres:$PG_PASSWORD@127.0.0.1:5432/$PG_DB"
echo "fuzzer     $schemathesis_bin"
echo "images     $REGISTRY_ADDR/slipway-test/{app:v1,app:v2,never-ready:v1,slow-ready:v1,crash:v1,pause:v1,postgres:15,redis:7,mysql:8,caddy:2.11.9}"

# --- Kubernetes test control plane (scripts/k8s) ------------------------------------------
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, kubelet and kube-proxy,
# built from the Go module proxy once per machine (cached by version: a cold build takes 15-30
# min on 2 cores), then started on 127.0.0.1 with KWOK's simulated nodes and one real node
# (containerd, CNI bridge, kubelet, kube-proxy: scripts/k8s/node.sh). The kubernetes tests
# read the kubeconfig path printed here.
if [ -z "${SLIPWAY_TEST_SKIP_K8S:-}" ]; then
  "$HERE/../k8s/build.sh" || fail "building the Kubernetes test control plane (scripts/k8s/build.sh)"
  k8s_kubeconfig="$("$HERE/../k8s/up.sh")" || fail "starting the Kubernetes test control plane (scripts/k8s/up.sh)"
  echo "kubernetes $k8s_kubeconfig"
fi
