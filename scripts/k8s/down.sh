#!/usr/bin/env bash
# Stops the test control plane started by up.sh (by the pids it recorded) and removes its
# tmpfs state (etcd data, certificates, kubeconfig). Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
RUN="$K8S_RUN"
[ -d "$RUN" ] || { echo "[k8s:down] nothing to stop" >&2; exit 0; }
for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  pidfile="$RUN/$name.pid"
  [ -f "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    echo "[k8s:down] stopped $name ($pid)" >&2
  fi
  rm -f "$pidfile"
done
rm -rf "$RUN"
echo "[k8s:down] removed $RUN" >&2
