# The real node beside the test control plane, sourced by up.sh (node_up) and down.sh
# (node_down): a second containerd with its CRI plugin on (Docker's own has it off), Debian's
# CNI plugins (a bridge with host-local addresses), kubelet and kube-proxy (iptables mode)
# built by build.sh. Its pods really run: images pulled from the local registry, probes
# probed, Services routed by kube-proxy.
#
# Placement: the node is tainted $REAL_NODE_TAINT (so kwok-simulated tests never land on it)
# and labelled $REAL_NODE_LABEL. A test that wants real pods creates its environment's
# namespace first with the PodNodeSelector / PodTolerationRestriction annotations (the API
# server enables both admission plugins): every pod of that namespace then selects the node
# and tolerates its taint, without Slipway knowing. kwok manages only nodes annotated
# kwok.x-k8s.io/node=fake.
# Needs root, containerd + runc (docker.io), containernetworking-plugins, iptables, conntrack.

NODE_NAME="${SLIPWAY_K8S_REAL_NODE_NAME:-slipway-real-node}"
NODE_DIR="$K8S_RUN/node"
NODE_SOCK="$NODE_DIR/containerd.sock"
NODE_POD_CIDR="${SLIPWAY_K8S_POD_CIDR:-10.245.0.0/24}"
NODE_BRIDGE=slipway-cni0
NODE_CNI_NETWORK=slipway-pods
REAL_NODE_LABEL="slipway.dev/node=real"
REAL_NODE_TAINT="slipway.dev/real-node=true:NoSchedule"
SANDBOX_IMAGE="${SLIPWAY_TEST_REGISTRY:-127.0.0.1:5000}/slipway-test/pause:v1"
CNI_BIN=/usr/lib/cni

node_wanted() { [ "${SLIPWAY_K8S_REAL_NODE:-1}" != 0 ]; }

node_up() {
  node_wanted || { log "no real node (SLIPWAY_K8S_REAL_NODE=0)"; return 0; }
  [ "$(id -u)" = 0 ] || fail "the real node needs root (or set SLIPWAY_K8S_REAL_NODE=0)"
  for b in kubelet kube-proxy; do [ -x "$K8S_BIN/$b" ] || fail "$K8S_BIN/$b missing: run scripts/k8s/build.sh"; done
  local need=()
  command -v containerd >/dev/null && command -v runc >/dev/null || need+=(containerd runc)
  [ -x "$CNI_BIN/bridge" ] && [ -x "$CNI_BIN/host-local" ] && [ -x "$CNI_BIN/loopback" ] || need+=(containernetworking-plugins)
  command -v iptables >/dev/null || need+=(iptables)
  # The real-node tests clear connections kube-proxy refused before a NodePort was routed.
  command -v conntrack >/dev/null || need+=(conntrack)
  if [ "${#need[@]}" -gt 0 ]; then
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; } || fail "apt-get install ${need[*]}"
  fi
  local registry="${SLIPWAY_TEST_REGISTRY:-127.0.0.1:5000}"
  if ! curl -fsS -o /dev/null -I -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$registry/v2/slipway-test/pause/manifests/v1"; then
    log "the sandbox image is not in the registry: building the test images"
    SLIPWAY_TEST_REGISTRY="$registry" bash "$here/../services/test-images.sh" >&2 || fail "building the test images (scripts/services/test-images.sh)"
  fi
  mkdir -p "$NODE_DIR"/{cni,cni-ipam,kubelet,containerd-root,containerd-state}

  # --- containerd (CRI) ---
  cat >"$NODE_DIR/containerd.toml" <<TOML
version = 2
root = "$NODE_DIR/containerd-root"
state = "$NODE_DIR/containerd-state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$NODE_SOCK"
[ttrpc]
  address = "$NODE_SOCK.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  # A local pause image: registry.k8s.io cannot be reached from here.
  sandbox_image = "$SANDBOX_IMAGE"
  # These machines refuse a lower oom_score_adj (runc: "can't get final child's PID from pipe").
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$NODE_DIR/cni"
  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."$registry"]
    endpoint = ["http://$registry"]
TOML
  cat >"$NODE_DIR/cni/10-slipway-pods.conflist" <<CNI
{
  "cniVersion": "0.4.0",
  "name": "$NODE_CNI_NETWORK",
  "plugins": [
    { "type": "bridge", "bridge": "$NODE_BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$NODE_POD_CIDR" }]], "routes": [{ "dst": "0.0.0.0/0" }], "dataDir": "$NODE_DIR/cni-ipam" } },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
CNI
  start containerd containerd --config "$NODE_DIR/containerd.toml"
  wait_for 30 test -S "$NODE_SOCK" || { tail -n 20 "$RUN/containerd.log" >&2; fail "containerd did not open $NODE_SOCK within 30 s"; }

  # --- kubelet ---
  local node_ip; node_ip="$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -n 1)"
  [ -n "$node_ip" ] || node_ip="$(hostname -I | awk '{print $1}')"
  [ -n "$node_ip" ] || fail "no IPv4 address for the node (kubelet refuses a loopback node IP)"
  cat >"$NODE_DIR/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$NODE_SOCK
# The API server (pod logs, exec) authenticates with the test CA's admin certificate.
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: false }
  x509: { clientCAFile: $PKI/ca.crt }
authorization: { mode: AlwaysAllow }
address: $node_ip
port: ${SLIPWAY_K8S_KUBELET_PORT:-10250}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${SLIPWAY_K8S_KUBELET_HEALTHZ_PORT:-10248}
localStorageCapacityIsolation: false
serializeImagePulls: false
# A shared test machine's disk and memory must not taint the node or evict test pods.
evictionHard: { memory.available: "1Mi", nodefs.available: "0%", imagefs.available: "0%", nodefs.inodesFree: "0%" }
imageGCHighThresholdPercent: 100
registerWithTaints:
- { key: slipway.dev/real-node, value: "true", effect: NoSchedule }
YAML
  start kubelet "$K8S_BIN/kubelet" --config "$NODE_DIR/kubelet.yaml" --kubeconfig "$KUBECONFIG_FILE" \
    --hostname-override "$NODE_NAME" --node-ip "$node_ip" --root-dir "$NODE_DIR/kubelet" \
    --cert-dir "$NODE_DIR/kubelet-pki" --node-labels "$REAL_NODE_LABEL"

  # --- kube-proxy ---
  start kube-proxy "$K8S_BIN/kube-proxy" --kubeconfig "$KUBECONFIG_FILE" --hostname-override "$NODE_NAME" \
    --proxy-mode iptables --cluster-cidr "$NODE_POD_CIDR" --conntrack-max-per-core 0 --nodeport-addresses 127.0.0.0/8 \
    --metrics-bind-address 127.0.0.1:${SLIPWAY_K8S_PROXY_METRICS_PORT:-10249} --healthz-bind-address 127.0.0.1:${SLIPWAY_K8S_PROXY_HEALTHZ_PORT:-10256}

  node_ready() { kubectl_api GET "/api/v1/nodes/$NODE_NAME" | tr -d ' \n' | grep -q '"type":"Ready","status":"True"'; }
  wait_for 90 node_ready || { tail -n 30 "$RUN/kubelet.log" >&2; fail "the real node $NODE_NAME was not Ready within 90 s"; }
  log "real node $NODE_NAME Ready ($node_ip, pods $NODE_POD_CIDR)"
}

# Stops the real node and removes everything it made: its pods (deleted through the API while
# kubelet runs, so CNI tears their networks down), then kubelet, kube-proxy (whose --cleanup
# removes its iptables rules), containerd and its shims, leftover mounts, network namespaces,
# the bridge and CNI's iptables chains, and the state directories.
node_down() {
  [ -d "$NODE_DIR" ] || return 0
  if alive kubelet && [ -f "$PKI/admin.crt" ]; then
    api() { curl -sS --max-time 10 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" -X "$1" "https://127.0.0.1:$K8S_PORT$2" "${@:3}" 2>/dev/null || true; }
    local on_node="fieldSelector=spec.nodeName%3D$NODE_NAME" ns
    # Cordoned first, so the controllers' replacement pods do not land on it again.
    api PATCH "/api/v1/nodes/$NODE_NAME" -H 'Content-Type: application/merge-patch+json' --data '{"spec":{"unschedulable":true}}' >/dev/null
    for ns in $(api GET /api/v1/namespaces | tr -d ' \n' | grep -o '"name":"[^"]*"' | sed 's/"name":"\(.*\)"/\1/' || true); do
      api DELETE "/api/v1/namespaces/$ns/pods?$on_node&gracePeriodSeconds=0" >/dev/null
    done
    for _ in $(seq 1 60); do
      api GET "/api/v1/pods?$on_node" | tr -d ' \n' | grep -q '"items":\[\]' && break
      sleep 0.5
    done
    api DELETE "/api/v1/nodes/$NODE_NAME" >/dev/null
  fi
  stop_pid kube-proxy
  stop_pid kubelet
  if [ -x "$K8S_BIN/kube-proxy" ]; then "$K8S_BIN/kube-proxy" --cleanup --proxy-mode iptables >/dev/null 2>&1 || true; fi
  stop_pid containerd
  # Shims of this containerd (their -address is its socket), then what they held.
  for pid in $(pgrep -f "containerd-shim.*-address $NODE_SOCK" || true); do kill -9 "$pid" 2>/dev/null || true; done
  awk -v d="$NODE_DIR/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  for ns in /run/netns/cni-*; do
    [ -e "$ns" ] || continue
    umount "$ns" 2>/dev/null || true; rm -f "$ns"
  done
  ip link del "$NODE_BRIDGE" 2>/dev/null || true
  # The bridge plugin's masquerade chains (CNI-<hash>) of pods CNI did not tear down: POSTROUTING
  # jumps to them with a comment naming the network.
  local rules; rules="$(iptables -t nat -S POSTROUTING 2>/dev/null | grep -F "name: \\\"$NODE_CNI_NETWORK\\\"" || true)"
  printf '%s\n' "$rules" | sed -n 's/^-A /-D /p' | while read -r rule; do eval "iptables -t nat $rule" 2>/dev/null || true; done
  printf '%s\n' "$rules" | sed -n 's/.* -j \(CNI-[0-9a-f]*\).*/\1/p' | while read -r chain; do
    iptables -t nat -F "$chain" 2>/dev/null || true; iptables -t nat -X "$chain" 2>/dev/null || true
  done
  # kubelet's own chains (kube-proxy --cleanup leaves them): its canaries and KUBE-FIREWALL.
  local ipt table chain
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null || continue
    "$ipt" -D INPUT -j KUBE-FIREWALL 2>/dev/null || true
    "$ipt" -D OUTPUT -j KUBE-FIREWALL 2>/dev/null || true
    for table in filter nat mangle; do
      for chain in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT; do
        "$ipt" -t "$table" -F "$chain" 2>/dev/null && "$ipt" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
  rm -rf "$NODE_DIR"
  echo "[k8s:down] removed the real node $NODE_NAME" >&2
}
