#!/usr/bin/env bash
# Starts a real Kubernetes control plane for tests, as processes on 127.0.0.1: etcd (data on
# tmpfs), kube-apiserver, kube-controller-manager, kube-scheduler, kwok simulating the kubelets
# of the nodes annotated kwok.x-k8s.io/node=fake (pods become Running/Ready by kwok's stages),
# and one real node (node.sh: containerd, CNI bridge, kubelet, kube-proxy) whose pods really
# run. Idempotent: what already runs is left alone. Prints the admin kubeconfig's path on stdout.
# Needs the binaries of build.sh (run it first), openssl, curl, and root for the real node
# (SLIPWAY_K8S_REAL_NODE=0: none).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
RUN="$K8S_RUN"
PKI="$RUN/pki"
KUBECONFIG_FILE="$RUN/admin.kubeconfig"
SERVER="https://127.0.0.1:$K8S_PORT"
NODES="${SLIPWAY_K8S_NODES:-3}"
PVS="${SLIPWAY_K8S_PVS:-20}"
log() { echo "[k8s:up] $*" >&2; }
fail() { echo "[k8s:up] FAILED: $*" >&2; exit 1; }

for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
  [ -x "$K8S_BIN/$b" ] || fail "$K8S_BIN/$b missing: run scripts/k8s/build.sh"
done
command -v openssl >/dev/null || fail "openssl missing"

readyz() { curl -fsS --max-time 3 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$SERVER/readyz" >/dev/null 2>&1; }
kubectl_api() { # kubectl_api <method> <path> [body-file] [content-type]
  local args=(-sS --max-time 20 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" -X "$1" "$SERVER$2")
  [ $# -ge 3 ] && args+=(-H "Content-Type: ${4:-application/apply-patch+yaml}" --data-binary "@$3")
  curl "${args[@]}"
}
. "$here/../lib/pid-files.sh"
# Each process runs the executable it is named after.
alive() { running_pid "$RUN/$1.pid" "$1" >/dev/null; }
wait_for() { # wait_for <seconds> <command...>
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do [ "$SECONDS" -lt "$deadline" ] || return 1; sleep 0.3; done
}
start() { # start <name> <command...>: a background process with its log and pid in $RUN
  local name="$1"; shift
  alive "$name" && return 0
  log "starting $name (log $RUN/$name.log)"
  # setsid: its own session, so the caller's process group ending (a test runner) leaves it running.
  setsid nohup "$@" >"$RUN/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN/$name.pid"
}

mkdir -p "$RUN" "$PKI"
# One up.sh at a time (npm test and a developer may start it together).
exec 9>"$RUN/.lock"
flock 9

# --- certificates ---------------------------------------------------------------------------
if [ ! -f "$PKI/admin.crt" ]; then
  log "creating certificates in $PKI"
  (
    cd "$PKI"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout ca.key -out ca.crt -subj "/CN=slipway-test-ca" 2>/dev/null
    cat >server.ext <<EXT
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth
EXT
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=kube-apiserver" 2>/dev/null
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile server.ext -out server.crt 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=slipway-admin" 2>/dev/null
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile client.ext -out admin.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  ) || fail "openssl"
fi
cat >"$KUBECONFIG_FILE" <<KC
apiVersion: v1
kind: Config
clusters:
- name: slipway-test
  cluster:
    server: $SERVER
    certificate-authority: $PKI/ca.crt
users:
- name: slipway-admin
  user:
    client-certificate: $PKI/admin.crt
    client-key: $PKI/admin.key
contexts:
- name: slipway-test
  context: { cluster: slipway-test, user: slipway-admin }
current-context: slipway-test
KC

# --- etcd -----------------------------------------------------------------------------------
etcd_health() { curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_PORT/health" >/dev/null 2>&1; }
if ! etcd_health; then
  start etcd "$K8S_BIN/etcd" --name slipway --data-dir "$RUN/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "slipway=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync --quota-backend-bytes 4294967296
  wait_for 30 etcd_health || { tail -n 20 "$RUN/etcd.log" >&2; fail "etcd did not answer /health within 30 s"; }
fi

# --- kube-apiserver -------------------------------------------------------------------------
if ! readyz; then
  start kube-apiserver "$K8S_BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$K8S_PORT" \
    --tls-cert-file "$PKI/server.crt" --tls-private-key-file "$PKI/server.key" --client-ca-file "$PKI/ca.crt" \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range 10.96.0.0/16 --authorization-mode Node,RBAC --allow-privileged=true \
    --cert-dir "$RUN/apiserver-certs" --profiling=false \
    --endpoint-reconciler-type none \
    --kubelet-client-certificate "$PKI/admin.crt" --kubelet-client-key "$PKI/admin.key" --kubelet-preferred-address-types InternalIP,Hostname \
    --enable-admission-plugins PodNodeSelector,PodTolerationRestriction
  wait_for 90 readyz || { tail -n 30 "$RUN/kube-apiserver.log" >&2; fail "kube-apiserver did not answer /readyz within 90 s"; }
fi

# --- controller-manager, scheduler ----------------------------------------------------------
start kube-controller-manager "$K8S_BIN/kube-controller-manager" \
  --kubeconfig "$KUBECONFIG_FILE" --authentication-kubeconfig "$KUBECONFIG_FILE" --authorization-kubeconfig "$KUBECONFIG_FILE" \
  --bind-address 127.0.0.1 --secure-port "$((K8S_PORT + 1))" --leader-elect=false \
  --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
  --use-service-account-credentials=false --controllers '*' --profiling=false
start kube-scheduler "$K8S_BIN/kube-scheduler" \
  --kubeconfig "$KUBECONFIG_FILE" --authentication-kubeconfig "$KUBECONFIG_FILE" --authorization-kubeconfig "$KUBECONFIG_FILE" \
  --bind-address 127.0.0.1 --secure-port "$((K8S_PORT + 2))" --leader-elect=false --profiling=false

# --- kwok and its stages --------------------------------------------------------------------
stages="$RUN/kwok-stages.yaml"
{
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/general/pod-create.yaml pod/general/pod-init-container-running.yaml pod/general/pod-init-container-completed.yaml \
           pod/general/pod-ready.yaml pod/general/pod-complete.yaml pod/general/pod-delete.yaml; do
    echo "---"
    if [ "$f" = pod/general/pod-ready.yaml ]; then
      # kwok's own pod-ready, minus the pods the never-ready stage takes. Every pod stage gets
      # 1 s of jitter instead of 5 (the tests roll many pods).
      sed -e 's/^\(\s*\)matchExpressions:$/&\n\1- key: '"'"'.spec.containers.[0].env.[]? | select( .name == "KWOK_NEVER_READY" ) | .value'"'"'\n\1  operator: '"'"'NotIn'"'"'\n\1  values:\n\1  - '"'"'true'"'"'/' \
          -e 's/jitterDurationMilliseconds: 5000/jitterDurationMilliseconds: 1000/' "$K8S_CACHE/stage/$f"
    elif [ "$f" = pod/general/pod-complete.yaml ]; then
      # kwok's own pod-complete, minus the Job pods the fail stage takes (KWOK_EXIT_CODE set).
      sed -e 's/^\(\s*\)matchExpressions:$/&\n\1- key: '"'"'.spec.containers.[0].env.[]? | select( .name == "KWOK_EXIT_CODE" ) | .value'"'"'\n\1  operator: '"'"'DoesNotExist'"'"'/' \
          -e 's/jitterDurationMilliseconds: 5000/jitterDurationMilliseconds: 1000/' "$K8S_CACHE/stage/$f"
    elif [ "${f#pod/}" != "$f" ]; then
      sed -e 's/jitterDurationMilliseconds: 5000/jitterDurationMilliseconds: 1000/' "$K8S_CACHE/stage/$f"
    else
      cat "$K8S_CACHE/stage/$f"
    fi
  done
  for f in pod-never-ready.yaml pod-fail.yaml; do
    echo "---"
    cat "$here/stages/$f"
  done
} >"$stages"
start kwok "$K8S_BIN/kwok" --kubeconfig "$KUBECONFIG_FILE" --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake --config "$stages" \
  --server-address "127.0.0.1:$((K8S_PORT + 3))" --node-lease-duration-seconds 40 --cidr 10.244.0.0/16

# --- nodes and volumes ----------------------------------------------------------------------
tmp="$RUN/objects"; mkdir -p "$tmp"
for i in $(seq 0 $((NODES - 1))); do
  cat >"$tmp/node-$i.yaml" <<NODE
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  labels: { type: kwok, kubernetes.io/hostname: kwok-node-$i, kubernetes.io/os: linux, kubernetes.io/arch: amd64 }
  annotations: { kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0" }
NODE
  out="$(kubectl_api PATCH "/api/v1/nodes/kwok-node-$i?fieldManager=slipway-k8s-up&force=true" "$tmp/node-$i.yaml")" || fail "creating node kwok-node-$i: $out"
done
# Static PVs without a storage class: the PV controller binds the tests' PVCs to them. Released
# ones (their claim deleted) are made available again.
for i in $(seq 0 $((PVS - 1))); do
  mkdir -p "/tmp/slipway-test-pv-$i" 2>/dev/null || true # the real node mounts it (KWOK's pods do not)
  cat >"$tmp/pv-$i.yaml" <<PV
apiVersion: v1
kind: PersistentVolume
metadata:
  name: slipway-test-pv-$i
  labels: { slipway.dev/test-volume: "true" }
spec:
  capacity: { storage: 10Gi }
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: { path: /tmp/slipway-test-pv-$i }
PV
  out="$(kubectl_api PATCH "/api/v1/persistentvolumes/slipway-test-pv-$i?fieldManager=slipway-k8s-up&force=true" "$tmp/pv-$i.yaml")" || fail "creating PV $i: $out"
  if printf '%s' "$out" | grep -q '"phase": *"Released"'; then
    printf '[{"op":"remove","path":"/spec/claimRef"}]' >"$tmp/unclaim.json"
    kubectl_api PATCH "/api/v1/persistentvolumes/slipway-test-pv-$i" "$tmp/unclaim.json" application/json-patch+json >/dev/null || true
  fi
done

nodes_ready() {
  kubectl_api GET "/api/v1/nodes?labelSelector=type%3Dkwok" | tr -d ' \n' | grep -o '"type":"Ready","status":"True"' | wc -l | grep -qx "$NODES"
}
wait_for 60 nodes_ready || { tail -n 20 "$RUN/kwok.log" >&2; fail "kwok did not make the $NODES nodes Ready within 60 s"; }
. "$here/node.sh"
node_up
sa_ready() { kubectl_api GET /api/v1/namespaces/default/serviceaccounts/default | grep -q '"name": "default"'; }
wait_for 60 sa_ready || { tail -n 20 "$RUN/kube-controller-manager.log" >&2; fail "the controller-manager created no default service account within 60 s"; }

log "control plane $K8S_VERSION ready at $SERVER (etcd $ETCD_VERSION, kwok $KWOK_VERSION, $NODES kwok nodes$(node_wanted && echo ", real node $NODE_NAME"))"
echo "$KUBECONFIG_FILE"
