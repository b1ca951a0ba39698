# Versions of the test control plane, sourced by build.sh / up.sh / down.sh.
# Kubernetes 1.36 and kwok v0.8.0 (built against k8s.io/* v0.36.1) speak the same API.
K8S_VERSION="${SLIPWAY_K8S_VERSION:-v1.36.3}"
ETCD_VERSION="${SLIPWAY_ETCD_VERSION:-v3.6.8}"   # the etcd k/k v1.36.3 itself requires
KWOK_VERSION="${SLIPWAY_KWOK_VERSION:-v0.8.0}"
K8S_CACHE="${SLIPWAY_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway/k8s/${K8S_VERSION}-etcd${ETCD_VERSION}-kwok${KWOK_VERSION}}"
K8S_BIN="$K8S_CACHE/bin"
K8S_RUN="${SLIPWAY_K8S_RUN:-/dev/shm/slipway-k8s}"
K8S_PORT="${SLIPWAY_K8S_PORT:-16443}"
ETCD_PORT="${SLIPWAY_ETCD_PORT:-12379}"
ETCD_PEER_PORT="${SLIPWAY_ETCD_PEER_PORT:-12380}"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
