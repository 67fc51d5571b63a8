#!/usr/bin/env bash
# Builds the servers and tools the tests and the demo need from Go modules (no prebuilt binary can
# be downloaded here) into a cache outside the repo, skipping what is already built.
#
#   test/cluster/build.sh [nats-server|etcd|kube|kwok|helm ...]   (default: all)
#
# Cache: ${CELERIAC_BIN:-~/.cache/celeriac/bin}/<name>-<version>. A cold build of the Kubernetes
# binaries takes 10+ minutes on 2 cores; each step prints a line with its elapsed time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
BIN=${CELERIAC_BIN:-$HOME/.cache/celeriac/bin}
WORK=${CELERIAC_BUILD:-$HOME/.cache/celeriac/build}
mkdir -p "$BIN" "$WORK"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath
# Builds take a lock so the test runner and a demo started at the same time do not race.
exec 9>"$BIN/.build.lock"
flock 9

step() { printf '[build %s] %s\n' "$(date +%T)" "$*"; }
timed() {
  local name=$1; shift
  local start=$SECONDS
  step "building $name (cold builds take minutes; progress is one line per binary)"
  "$@"
  step "built $name in $((SECONDS - start))s"
}
have() { [ -x "$BIN/$1" ]; }

# A throwaway module per tool keeps `go build` able to resolve versions and replaces.
wrapper() {
  local dir="$WORK/$1"; shift
  rm -rf "$dir"; mkdir -p "$dir"
  (cd "$dir" && go mod init "celeriac.local/$(basename "$dir")" >/dev/null 2>&1)
  echo "$dir"
}

build_nats() {
  local out="nats-server-$NATS_SERVER_VERSION"
  have "$out" && return 0
  local dir; dir=$(wrapper "nats-server-$NATS_SERVER_VERSION")
  timed "$out" bash -c "cd '$dir' && go get github.com/nats-io/nats-server/v2@$NATS_SERVER_VERSION \
    && go build -ldflags '-s -w' -o '$BIN/$out.tmp' github.com/nats-io/nats-server/v2 && mv '$BIN/$out.tmp' '$BIN/$out'"
}

build_etcd() {
  local out="etcd-$ETCD_VERSION"
  have "$out" && return 0
  local dir; dir=$(wrapper "etcd-$ETCD_VERSION")
  timed "$out" bash -c "cd '$dir' && go get go.etcd.io/etcd/server/v3@$ETCD_VERSION \
    && go build -ldflags '-s -w' -o '$BIN/$out.tmp' go.etcd.io/etcd/server/v3 && mv '$BIN/$out.tmp' '$BIN/$out'"
}

# k8s.io/kubernetes replaces its staging modules with ./staging paths that only exist in its repo;
# the wrapper replaces each with the published v0.x tag of the same release.
build_kube() {
  local v=$KUBERNETES_VERSION minor staging
  minor=$(echo "$v" | cut -d. -f2)
  local names=(kube-apiserver kube-controller-manager kube-scheduler kubectl) missing=0
  for n in "${names[@]}"; do have "$n-$v" || missing=1; done
  [ $missing = 0 ] && return 0
  local dir; dir=$(wrapper "kubernetes-$v")
  step "resolving k8s.io/kubernetes@$v modules"
  local gomod
  gomod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  staging=$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$gomod")
  {
    echo "require k8s.io/kubernetes $v"
    for m in $staging; do echo "replace $m => $m v0.${v#v1.}"; done
  } >>"$dir/go.mod"
  step "downloading the Kubernetes module graph (a few minutes when cold)"
  (cd "$dir" && printf 'package tools\nimport (\n _ "k8s.io/kubernetes/cmd/kube-apiserver/app"\n _ "k8s.io/kubernetes/cmd/kube-controller-manager/app"\n _ "k8s.io/kubernetes/cmd/kube-scheduler/app"\n _ "k8s.io/kubectl/pkg/cmd"\n)\n' >tools.go && go mod tidy >/dev/null 2>&1 || go mod tidy)
  local ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  for n in "${names[@]}"; do
    have "$n-$v" && continue
    local pkg="k8s.io/kubernetes/cmd/$n"
    timed "$n-$v" bash -c "cd '$dir' && go build -ldflags '$ld' -o '$BIN/$n-$v.tmp' '$pkg' && mv '$BIN/$n-$v.tmp' '$BIN/$n-$v'"
  done
}

# kwok v0.6+ only acts through Stage objects; ship the upstream "fast" stages next to the binary.
build_kwok() {
  local out="kwok-$KWOK_VERSION" stages="$BIN/kwok-stages-$KWOK_VERSION"
  have "$out" && [ -d "$stages" ] && return 0
  local dir; dir=$(wrapper "kwok-$KWOK_VERSION")
  have "$out" || timed "$out" bash -c "cd '$dir' && go get sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION \
    && go build -ldflags '-s -w' -o '$BIN/$out.tmp' sigs.k8s.io/kwok/cmd/kwok && mv '$BIN/$out.tmp' '$BIN/$out'"
  (cd "$dir" && go mod download "sigs.k8s.io/kwok@$KWOK_VERSION")
  local src; src="$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage"
  rm -rf "$stages.tmp"; mkdir -p "$stages.tmp"
  # Each stage directory also holds a kustomization.yaml of the same name: copy only the stages.
  local f
  for f in "$src"/node/fast/*.yaml "$src"/node/heartbeat-with-lease/*.yaml "$src"/pod/fast/*.yaml; do
    [ "$(basename "$f")" = kustomization.yaml ] && continue
    cp "$f" "$stages.tmp/"
  done
  chmod u+w "$stages.tmp"/*.yaml  # the module cache is read-only; keep the copies removable
  rm -rf "$stages"; mv "$stages.tmp" "$stages"
  step "kwok stages: $(cd "$stages" && ls | tr '\n' ' ')"
}

# helm v3's default capabilities claim an old Kubernetes unless told the real one at link time.
build_helm() {
  local out="helm-$HELM_VERSION" kminor
  have "$out" && return 0
  kminor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)
  local dir; dir=$(wrapper "helm-$HELM_VERSION")
  local ld="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  ld="$ld -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$kminor"
  ld="$ld -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$kminor"
  timed "$out" bash -c "cd '$dir' && go get helm.sh/helm/v3/cmd/helm@$HELM_VERSION \
    && go build -ldflags '$ld' -o '$BIN/$out.tmp' helm.sh/helm/v3/cmd/helm && mv '$BIN/$out.tmp' '$BIN/$out'"
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(nats-server etcd kwok helm kube)
for t in "${targets[@]}"; do
  case $t in
    nats-server) build_nats ;;
    etcd) build_etcd ;;
    kube) build_kube ;;
    kwok) build_kwok ;;
    helm) build_helm ;;
    *) echo "unknown target: $t" >&2; exit 2 ;;
  esac
done
step "all requested binaries present in $BIN"
