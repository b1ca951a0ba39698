#!/usr/bin/env bash
# Builds the test control plane from the Go module proxy into a cache keyed by version:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok (+ kwok's stage files), and
# the real node's kubelet and kube-proxy (same wrapper module: about 20 s more when warm).
# Skips every binary already in the cache. Cold: 15-30 min on 2 cores; warm: seconds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
mkdir -p "$K8S_BIN"
export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local
work="$K8S_CACHE/src"
mkdir -p "$work"
# One build at a time: a second caller waits, then finds the binaries cached.
exec 9>"$K8S_CACHE/.lock"
flock 9
log() { echo "[k8s:build] $*" >&2; }

build_etcd() {
  [ -x "$K8S_BIN/etcd" ] && { log "etcd cached"; return; }
  log "building etcd $ETCD_VERSION"
  local d="$work/etcd"; rm -rf "$d"; mkdir -p "$d"
  # A wrapper module: `go install` refuses etcd's own replace lines, a requiring module does not.
  (cd "$d" && "$GO" mod init slipway.local/etcd-wrapper >/dev/null 2>&1 \
    && "$GO" get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" \
    && "$GO" build -trimpath -ldflags "-s -w" -o "$K8S_BIN/etcd.tmp" go.etcd.io/etcd/server/v3) \
    && mv "$K8S_BIN/etcd.tmp" "$K8S_BIN/etcd"
}

build_kube() {
  local cmds=() b
  for b in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do
    [ -x "$K8S_BIN/$b" ] || cmds+=("k8s.io/kubernetes/cmd/$b")
  done
  [ "${#cmds[@]}" -eq 0 ] && { log "kube-* cached"; return; }
  log "building ${cmds[*]##*/} $K8S_VERSION"
  local d="$work/kube"; rm -rf "$d"; mkdir -p "$d"
  local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  "$GO" mod download -json "k8s.io/kubernetes@$K8S_VERSION" > "$d/dl.json"
  local gomod; gomod="$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' "$d/dl.json")"
  {
    echo "module slipway.local/kube-wrapper"
    echo
    echo "go $(sed -n 's/^go //p' "$gomod")"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    # every staging module k/k replaces with ./staging/... becomes the published v0.Y.Z
    sed -n 's#^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/.*#\1#p' "$gomod" | while read -r m; do
      echo "replace $m => $m v0.${K8S_VERSION#v1.}"
    done
  } > "$d/go.mod"
  local ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  mkdir -p "$d/out"
  (cd "$d" && "$GO" build -trimpath -ldflags "$ld" -o "$d/out/" "${cmds[@]}")
  mv "$d/out/"kube* "$K8S_BIN/"
}

build_kwok() {
  if [ ! -x "$K8S_BIN/kwok" ]; then
    log "building kwok $KWOK_VERSION"
    GOBIN="$K8S_BIN" "$GO" install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  else
    log "kwok cached"
  fi
  # kwok >= v0.8 has no built-in stages: keep the module's stage files next to the binary
  if [ ! -d "$K8S_CACHE/stage" ]; then
    local dir; dir="$("$GO" mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    mkdir -p "$K8S_CACHE/stage.tmp"
    cp -r "$dir/kustomize/stage/." "$K8S_CACHE/stage.tmp/"
    chmod -R u+w "$K8S_CACHE/stage.tmp"
    mv "$K8S_CACHE/stage.tmp" "$K8S_CACHE/stage"
  fi
}

build_etcd
build_kwok
build_kube
log "binaries in $K8S_BIN"
ls -la "$K8S_BIN" >&2
