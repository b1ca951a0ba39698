#!/usr/bin/env bash
# Stops the test control plane started by up.sh (by the pids it recorded): first the real
# node (node.sh: its pods, kubelet, kube-proxy and its iptables rules, containerd, the CNI
# bridge), then kwok and the control plane, and removes its tmpfs state (etcd data,
# certificates, kubeconfig). Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
RUN="$K8S_RUN"
PKI="$RUN/pki"
log() { echo "[k8s:down] $*" >&2; }
[ -d "$RUN" ] || { log "nothing to stop"; exit 0; }
. "$here/../lib/pid-files.sh"
# Each process runs the executable it is named after.
alive() { running_pid "$RUN/$1.pid" "$1" >/dev/null; }
stop_pid() { # stop_pid <name>: TERM, up to 10 s, then KILL
  local pidfile="$RUN/$1.pid" pid
  [ -f "$pidfile" ] || return 0
  if pid="$(running_pid "$pidfile" "$1")"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    log "stopped $1 ($pid)"
  fi
  rm -f "$pidfile"
}
. "$here/node.sh"
node_down
for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_pid "$name"; done
rm -rf "$RUN"
log "removed $RUN"
