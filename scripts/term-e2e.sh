#!/usr/bin/env bash
# End-to-end test of the terminal: starts a real node on a temporary data dir, replays
# fixture stories into it (`herald demo`), runs `herald term` inside a detached tmux
# session, drives it with send-keys and asserts on what capture-pane shows. Exits non-zero
# on the first failed expectation (printing the screen), and cleans up in every case.
#
#   scripts/term-e2e.sh                 # uses target/debug/herald (builds it if missing)
#   HERALD=/path/to/herald scripts/term-e2e.sh
#   E2E_CAPTURE=screen.txt scripts/term-e2e.sh   # keep the last full screen
set -euo pipefail
cd "$(dirname "$0")/.."

HERALD=${HERALD:-target/debug/herald}
if [[ ! -x $HERALD ]]; then
    cargo build -q -p herald
fi
command -v tmux >/dev/null || { echo "term-e2e: tmux is not installed" >&2; exit 2; }

tmp=$(mktemp -d)
# A private tmux server (its own socket), so a user's sessions are never touched.
sock="herald-e2e-$$"
serve_pid=""
cleanup() {
    tmux -L "$sock" kill-server 2>/dev/null || true
    if [[ -n $serve_pid ]]; then
        kill "$serve_pid" 2>/dev/null || true
        wait "$serve_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

screen() { tmux -L "$sock" capture-pane -p -t e2e; }

fail() {
    echo "term-e2e: FAIL: $*" >&2
    echo "---- screen ----" >&2
    screen >&2 || true
    exit 1
}

# wait_for TEXT [SECONDS]: until the screen shows TEXT (a fixed string).
wait_for() {
    local want=$1 secs=${2:-30} i
    for ((i = 0; i < secs * 10; i++)); do
        if screen | grep -qF -- "$want"; then
            return 0
        fi
        sleep 0.1
    done
    fail "the screen never showed: $want"
}

# keys TEXT: types TEXT literally, then presses Enter.
keys() {
    tmux -L "$sock" send-keys -t e2e -l -- "$1"
    tmux -L "$sock" send-keys -t e2e Enter
}

step() { echo "term-e2e: $*"; }

step "starting a node on $tmp/data"
# Loopback feeds are allowed so FEED ADD can be tried without the internet.
HERALD_LOG=warn HERALD_INDEX_COMMIT_MS=50 HERALD_FETCH_ALLOW=127.0.0.1 "$HERALD" serve --listen 127.0.0.1:0 --data "$tmp/data" \
    >"$tmp/serve.out" 2>"$tmp/serve.err" &
serve_pid=$!
for _ in $(seq 100); do
    grep -q '^listening on ' "$tmp/serve.out" 2>/dev/null && break
    sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$tmp/serve.out" | head -n1)
[[ -n $url ]] || { cat "$tmp/serve.err" >&2; fail "the node did not start"; }
export HERALD_URL=$url

step "opening the terminal in tmux (120x40) on the empty node"
tmux -L "$sock" new-session -d -s e2e -x 120 -y 40 \
    "env HERALD_URL=$url TERM=xterm-256color $HERALD term"
wait_for "LIVE"
# A new node with no stories and no feeds offers the starter feeds.
wait_for "No stories yet. FEED STARTER follows"

step "publishing fixture stories through the wire ($url)"
"$HERALD" demo --rate 200 --limit 16 >"$tmp/demo.out"
[[ $(grep -c '^stored' "$tmp/demo.out") -eq 16 ]] || fail "demo did not store 16 stories"
# Searchable once the index has committed them.
for _ in $(seq 100); do
    "$HERALD" search landslide 2>/dev/null | grep -qE '^[1-9][0-9]* of' && break
    sleep 0.1
done

step "the stories arrive live"
wait_for "Landslide Kills at Least 31 People"
screen | grep -qF "No stories yet" && fail "the first-run offer stayed with stories on the wire"
# Every third demo story is reprinted by another outlet: folded, with a count.
screen | grep -qE 'Landslide Kills at Least 31 People.* \+1 *$' || fail "no folded copy (+1) on the wire"

step "N landslide, Enter on the hit"
keys "N landslide"
wait_for "N landslide · 1"
tmux -L "$sock" send-keys -t e2e Enter
wait_for "STORY · st_"
wait_for "torrential rain"
tmux -L "$sock" send-keys -t e2e Escape
tmux -L "$sock" send-keys -t e2e Escape

step "ALRT ADD, a hit flashes, ALRT lists it"
keys "ALRT ADD slides landslide OR mudslide"
wait_for "added alert \"slides\""
wait_for "landslide OR mudslide"
printf 'Second landslide closes the valley road\n\nA new landslide closed the only road into the valley on Sunday, officials said, cutting off three villages.\n' |
    "$HERALD" publish - --source e2e-desk >/dev/null
wait_for "ALERT slides: Second landslide closes the valley road"
keys "ALRT"
wait_for "ALRT · 1 alerts"

step "FEED ADD of a dead address, FEED shows its error, FEED RM"
keys "FEED ADD http://127.0.0.1:9/closed.rss"
wait_for "FEED · 1 feeds"
wait_for "↳"
keys "FEED RM 1"
wait_for "stopped following"
wait_for "No feeds followed"

step "Tab completes an entity name from the node"
tmux -L "$sock" send-keys -t e2e -l -- "N place:Stockh"
tmux -L "$sock" send-keys -t e2e Tab
wait_for "Stockholm"
tmux -L "$sock" send-keys -t e2e Escape

step "ALRT TEST, TREN, HELP"
keys "ALRT TEST landslide"
wait_for "stories in the last 7 days match landslide"
screen | grep -qF "█" || fail "no bar in the backtest chart"
keys "TREN"
wait_for "Rising at"
if [[ -n ${E2E_CAPTURE:-} ]]; then
    # The screen for the README: the live wire, with the landslide story (5th row) open.
    tmux -L "$sock" send-keys -t e2e Escape Escape Escape
    wait_for " WIRE · "
    tmux -L "$sock" send-keys -t e2e j j j j Enter
    wait_for "COPIES  1 near-duplicates"
    sleep 0.3
    screen >"$E2E_CAPTURE"
fi
keys "HELP"
wait_for "ALRT TEST q"

step "q quits and gives the console back"
tmux -L "$sock" send-keys -t e2e q
for _ in $(seq 50); do
    tmux -L "$sock" has-session -t e2e 2>/dev/null || break
    sleep 0.1
done
if tmux -L "$sock" has-session -t e2e 2>/dev/null; then
    fail "the terminal did not quit on q"
fi
step "ok"
