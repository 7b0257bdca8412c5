#!/usr/bin/env bash
# build-deps.sh builds the test bed's third-party servers from the Go module proxy
# (etcd, kube-apiserver, kubectl, Loki) and caches them by version, so a second run
# is instant. Sourced by hack/testbed; callable alone: hack/build-deps.sh [all|etcd|kube|loki]
set -euo pipefail

: "${TESTBED_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/tailui-testbed}"
: "${K8S_VERSION:=1.36.3}"
: "${ETCD_VERSION:=3.6.16}"
: "${LOKI_VERSION:=3.7.8}"
: "${STERN_VERSION:=1.33.0}"   # the peer of e2e and benchmark runs (1.35 needs Go 1.27)
BIN_DIR="$TESTBED_CACHE/bin"
mkdir -p "$BIN_DIR" "$TESTBED_CACHE/build"

log() { printf '[testbed] %s\n' "$*" >&2; }

# atomic_build NAME DIR PKG...: go build into a temp name, then rename.
go_build() {
  local out=$1 dir=$2 pkg=$3
  ( cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags='-s -w' -o "$out.tmp" "$pkg" )
  mv "$out.tmp" "$out"
}

build_etcd() {
  local out="$BIN_DIR/etcd-v$ETCD_VERSION"
  [ -x "$out" ] && return 0
  log "building etcd v$ETCD_VERSION (once; cached in $BIN_DIR)"
  local d="$TESTBED_CACHE/build/etcd-v$ETCD_VERSION"
  rm -rf "$d"; mkdir -p "$d"
  cat >"$d/main.go" <<'GO'
// Command etcd is the etcd server, built from its Go module for the tailui test bed.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$d" && go mod init testbed/etcd >/dev/null 2>&1 && go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >/dev/null 2>&1 && go mod tidy >/dev/null 2>&1)
  go_build "$out" "$d" .
}

build_kube() {
  local api="$BIN_DIR/kube-apiserver-v$K8S_VERSION" ctl="$BIN_DIR/kubectl-v$K8S_VERSION"
  [ -x "$api" ] && [ -x "$ctl" ] && return 0
  log "building kube-apiserver and kubectl v$K8S_VERSION (once, ~5-8 min cold; cached in $BIN_DIR)"
  local d="$TESTBED_CACHE/build/kube-v$K8S_VERSION" minor="0.${K8S_VERSION#1.}"
  rm -rf "$d"; mkdir -p "$d"
  (cd "$d" && go mod init testbed/kube >/dev/null 2>&1)
  (cd "$d" && go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" >/dev/null)
  local gomod
  gomod=$(cd "$d" && go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
  {
    echo "require k8s.io/kubernetes v$K8S_VERSION"
    # Every staging module that kubernetes replaces with ./staging/src/... gets its
    # published v0.x.y twin instead.
    sed -n 's#^\s*\(k8s.io/[^ ]*\) => ./staging/src/.*#replace \1 => \1 v'"$minor"'#p' "$gomod"
  } >>"$d/go.mod"
  # sample-* staging modules are never published; drop replaces nobody can resolve.
  sed -i '/k8s.io\/sample-/d' "$d/go.mod"
  cat >"$d/tools.go" <<'GO'
//go:build tools

package tools
GO
  (cd "$d" && GOFLAGS=-mod=mod go get "k8s.io/kubernetes/cmd/kube-apiserver@v$K8S_VERSION" "k8s.io/kubernetes/cmd/kubectl@v$K8S_VERSION" >/dev/null)
  go_build "$api" "$d" k8s.io/kubernetes/cmd/kube-apiserver
  go_build "$ctl" "$d" k8s.io/kubernetes/cmd/kubectl
}

build_loki() {
  local out="$BIN_DIR/loki-v$LOKI_VERSION"
  [ -x "$out" ] && return 0
  log "building Loki v$LOKI_VERSION (once, several minutes cold; cached in $BIN_DIR)"
  local d="$TESTBED_CACHE/build/loki-v$LOKI_VERSION"
  rm -rf "$d"; mkdir -p "$d"
  (cd "$d" && go mod init testbed/loki >/dev/null 2>&1)
  local gomod
  gomod=$(cd "$d" && go mod download -json "github.com/grafana/loki/v3@v$LOKI_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
  {
    echo "require github.com/grafana/loki/v3 v$LOKI_VERSION"
    # Loki's own replace/exclude lines, except those pointing into its tree.
    grep -E '^(replace|exclude) ' "$gomod" | grep -v '=> \./'
  } >>"$d/go.mod"
  (cd "$d" && GOFLAGS=-mod=mod go get "github.com/grafana/loki/v3/cmd/loki@v$LOKI_VERSION" >/dev/null)
  go_build "$out" "$d" github.com/grafana/loki/v3/cmd/loki
}

# build_stern installs stern, the peer that e2e tests and hack/bench measure tailui
# against, with go install (it is a Go module like the rest).
build_stern() {
  local out="$BIN_DIR/stern-v$STERN_VERSION"
  [ -x "$out" ] && return 0
  log "building stern v$STERN_VERSION (once; cached in $BIN_DIR)"
  local d="$TESTBED_CACHE/build/stern-v$STERN_VERSION"
  rm -rf "$d"; mkdir -p "$d"
  (cd "$d" && CGO_ENABLED=0 GOBIN="$d" GOFLAGS=-mod=mod go install -trimpath -ldflags='-s -w' "github.com/stern/stern@v$STERN_VERSION")
  mv "$d/stern" "$out"
}

build_all() { build_etcd; build_kube; build_loki; build_stern; }

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-all}" in
    all) build_all ;; etcd) build_etcd ;; kube) build_kube ;; loki) build_loki ;; stern) build_stern ;;
    *) echo "usage: $0 [all|etcd|kube|loki|stern]" >&2; exit 2 ;;
  esac
fi
