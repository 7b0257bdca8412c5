#!/usr/bin/env bash
# docs/screenshot/take.sh: docs/tailui.png from a real session on the test bed.
#
# Runs tailui in a private tmux server at 160x48 (256 colours, dark background) on
# the running bed (hack/testbed up), opens the shop namespace's two deployments as
# one pane per workload, highlights "error", captures the pane with its colours
# (tmux capture-pane -e) and draws that capture as a PNG (main.go, in this
# directory's own module, so that tailui does not depend on x/image).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
eval "$(hack/testbed env | grep '^export ')"
tmp=$(mktemp -d)
sock=tailui-shot-$$
cleanup() { tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

GOFLAGS=-mod=mod go build -o "$tmp/tailui" .
tmux -L "$sock" -f /dev/null start-server \; set -g default-terminal tmux-256color \; \
  new-session -d -s shot -x 160 -y 48 -e COLORTERM=truecolor -e KUBECONFIG="$KUBECONFIG" \
  "$tmp/tailui -n shop; sleep 600"

screen() { tmux -L "$sock" capture-pane -p -t shot; }
wait_for() { # wait_for WHAT GREP-PATTERN
  for _ in $(seq 300); do
    screen | grep -qE "$2" && return 0
    sleep 0.1
  done
  echo "take.sh: timed out waiting for $1" >&2
  screen >&2
  exit 1
}
keys() { tmux -L "$sock" send-keys -t shot "$@"; }

wait_for "the sources panel with every pod" 'Deployment/web +3/3 ready'
wait_for "the sources panel with every pod" 'Deployment/api +2/2 ready'
keys '*'
keys W
wait_for "a pane per workload" '^▶1 .*│ 2 '
keys m
keys -l error
keys Enter
wait_for "the panes to fill" 'tailui · 2 panes'
sleep 3 # let a few frames of live lines arrive, so the picture is a running session
tmux -L "$sock" capture-pane -e -p -t shot >"$tmp/capture.ans"
(cd docs/screenshot && GOFLAGS=-mod=mod go run . -in "$tmp/capture.ans" -out ../tailui.png -cols 160 -rows 48)
