#!/usr/bin/env bash
# Booking throughput benchmark: runs `sesshu demo` on SQLite and on PostgreSQL
# and drives it with `sesshu-load` (N people booking through the HTTP API).
#
#   scripts/bench.sh                         2000 people, 64 in flight, spread mode
#   MODE=hot PEOPLE=500 scripts/bench.sh     500 people racing for one time's lanes
#
# Environment:
#   PEOPLE       people (members member00001…), default 2000
#   CONCURRENCY  requests in flight, default 64
#   MODE         spread | hot, default spread
#   DATABASES    which backends, default "sqlite postgres"
#   PORT         demo server port on 127.0.0.1, default 18181
#   OUT_DIR      keep the JSON reports and server logs here (default: a temporary
#                folder, deleted at the end)
#
# PostgreSQL is the private test cluster of scripts/test-env.sh (started here and
# stopped at the end if it was not running); the database sesshu_bench is dropped
# and created afresh. Exits non-zero if any run reports FAIL.
set -euo pipefail

PEOPLE="${PEOPLE:-2000}"
CONCURRENCY="${CONCURRENCY:-64}"
MODE="${MODE:-spread}"
DATABASES="${DATABASES:-sqlite postgres}"
PORT="${PORT:-18181}"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd -P)"
SESSHU="$REPO_ROOT/target/release/sesshu"
LOAD="$REPO_ROOT/target/release/sesshu-load"
BASE_URL="http://127.0.0.1:$PORT"

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/sesshu-bench.XXXXXX")"
if [ -n "${OUT_DIR:-}" ]; then
    mkdir -p "$OUT_DIR"
    OUT_DIR="$(cd "$OUT_DIR" && pwd -P)"
else
    OUT_DIR="$WORK_DIR"
fi
SERVER_PID=""
STARTED_PG=0

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    local pid="$SERVER_PID"
    SERVER_PID=""
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "server $pid did not stop on SIGTERM; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    stop_server
    if [ "$STARTED_PG" -eq 1 ]; then
        "$SCRIPT_DIR/test-env.sh" down || true
    fi
    rm -rf "$WORK_DIR/data"
    if [ "$OUT_DIR" = "$WORK_DIR" ]; then
        rm -rf "$WORK_DIR"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts `sesshu demo` with the given extra arguments and waits for /healthz.
start_server() {
    local name="$1"
    shift
    if curl -fsS -o /dev/null "$BASE_URL/healthz" 2>/dev/null; then
        die "something already answers on $BASE_URL"
    fi
    local server_log="$OUT_DIR/server-$name.log"
    log "starting sesshu demo ($name) on port $PORT, log $server_log"
    # The server reads SESSHU_* settings and refuses unknown ones: keep the test
    # environment's variable (often exported in a developer's shell) away from it.
    env -u SESSHU_TEST_POSTGRES_URL "$SESSHU" demo --port "$PORT" --people "$PEOPLE" "$@" \
        >"$server_log" 2>&1 &
    SERVER_PID=$!
    local start=$SECONDS
    until [ "$(curl -fsS "$BASE_URL/healthz" 2>/dev/null || true)" = ok ]; do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            SERVER_PID=""
            tail -n 20 "$server_log" >&2 || true
            die "sesshu demo ($name) exited before answering /healthz"
        fi
        [ $((SECONDS - start)) -lt 300 ] || die "sesshu demo ($name) not healthy after 300 s"
        sleep 0.2
    done
    log "server up after $((SECONDS - start)) s"
}

FAILED=0

run_load() {
    local name="$1"
    log "sesshu-load on $name: $PEOPLE people, concurrency $CONCURRENCY, mode $MODE"
    printf '\n=== %s: PEOPLE=%s CONCURRENCY=%s MODE=%s (%s, load average %s) ===\n' \
        "$name" "$PEOPLE" "$CONCURRENCY" "$MODE" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
        "$(cut -d' ' -f1-3 /proc/loadavg)"
    if ! "$LOAD" --url "$BASE_URL" --people "$PEOPLE" --concurrency "$CONCURRENCY" \
        --mode "$MODE" --json "$OUT_DIR/report-$name-$MODE.json"; then
        log "sesshu-load reported a failure on $name (server log: $OUT_DIR/server-$name.log)"
        FAILED=1
    fi
}

bench_sqlite() {
    mkdir -p "$WORK_DIR/data"
    start_server sqlite --data "$WORK_DIR/data" --reset
    run_load sqlite
    stop_server
}

bench_postgres() {
    # Captured first: `status | grep -q` would stop `status` early with SIGPIPE,
    # which pipefail turns into "not running".
    local status
    status="$("$SCRIPT_DIR/test-env.sh" status)"
    if ! grep -q '^postgres: running' <<<"$status"; then
        STARTED_PG=1
    fi
    "$SCRIPT_DIR/test-env.sh" up >/dev/null
    # Read in a subshell: an exported SESSHU_TEST_POSTGRES_URL would reach the
    # server, which rejects unknown SESSHU_* settings.
    local admin_url bench_url
    # shellcheck source=/dev/null
    admin_url="$(. "$REPO_ROOT/.test-env/env" && printf '%s' "$SESSHU_TEST_POSTGRES_URL")"
    [ -n "$admin_url" ] || die "no SESSHU_TEST_POSTGRES_URL in .test-env/env"
    bench_url="${admin_url%/*}/sesshu_bench"
    log "creating a fresh database sesshu_bench"
    psql -q -X -v ON_ERROR_STOP=1 "$admin_url" \
        -c 'DROP DATABASE IF EXISTS sesshu_bench WITH (FORCE)' \
        -c 'CREATE DATABASE sesshu_bench' >/dev/null
    start_server postgres --db "$bench_url"
    run_load postgres
    stop_server
}

cd "$REPO_ROOT"
log "building release binaries"
cargo build --release -p sesshu -p sesshu-load

for db in $DATABASES; do
    case "$db" in
        sqlite) bench_sqlite ;;
        postgres) bench_postgres ;;
        *) die "unknown database '$db' (sqlite or postgres)" ;;
    esac
done

if [ "$OUT_DIR" != "$WORK_DIR" ]; then
    log "JSON reports and server logs in $OUT_DIR"
fi
[ "$FAILED" -eq 0 ] || die "at least one run reported FAIL"
