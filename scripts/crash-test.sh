#!/usr/bin/env bash
# kill -9 in the middle of a rush, again and again: nothing acknowledged is lost, no slot is
# over capacity, and a booking sent again with its Idempotency-Key gets its first answer.
#
#   scripts/crash-test.sh                       20 cycles on each database
#   CYCLES=3 scripts/crash-test.sh              the short form CI runs (scripts/test.sh)
#   DATABASES=sqlite CYCLES=50 scripts/crash-test.sh
#
# Each cycle starts `sesshu demo` on the same database, lets sesshu-load log in and book with
# PEOPLE new people (each booking with `Idempotency-Key: crash-<login>`), kills the server with
# SIGKILL at a random moment (two cycles in three while the bookings run, the third mostly during
# the logins), restarts it, and checks:
#   - no slot over capacity, booked = active reservations per slot, one active series per person;
#   - every reservation sesshu-load saw acknowledged (201) exists and is active;
#   - REPLAYS of those bookings, sent again after the restart with the same key by a fresh
#     login, are answered 201 with the same reservation number.
# Exits non-zero on any violation.
#
# PostgreSQL: the test cluster of scripts/test-env.sh (SESSHU_TEST_POSTGRES_URL, or `up` is run);
# a database of its own, dropped at the end. Only the server process is killed, never the
# database, so the cluster's fsync setting plays no part; what a power cut can lose is in
# docs/deploy.md ("Durability").
#
# Environment (defaults in brackets): DATABASES ["sqlite postgres"]  CYCLES [20]  PEOPLE [120]
#   CONCURRENCY [32]  REPLAYS [3]  PORT [18281]  PROFILE [debug] (or release)
#   OUT_DIR [target/crash-test/<UTC time>]
set -euo pipefail

DATABASES="${DATABASES:-sqlite postgres}"
CYCLES="${CYCLES:-20}"
PEOPLE="${PEOPLE:-120}"
CONCURRENCY="${CONCURRENCY:-32}"
REPLAYS="${REPLAYS:-3}"
PORT="${PORT:-18281}"
OFFICE_PORT=$((PORT + 1))
PROFILE="${PROFILE:-debug}"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=lib/rush.sh
. "$SCRIPT_DIR/lib/rush.sh"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd -P)"
BASE_URL="http://127.0.0.1:$PORT"
OUT_DIR="${OUT_DIR:-$REPO_ROOT/target/crash-test/$(date -u +%Y%m%dT%H%M%SZ)}"
WORK_DIR="$(mktemp -d /tmp/sesshu-crash.XXXXXX)"
mkdir -p "$OUT_DIR"
SERVER_PID=""
PG_DB=""
FAILED=0

log() { printf 'crash-test: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
fail() { log "FAIL: $*"; FAILED=1; }

for n in CYCLES PEOPLE CONCURRENCY REPLAYS PORT; do
    [[ "${!n}" =~ ^[0-9]+$ ]] || die "$n must be a number, got '${!n}'"
done
[ $((CYCLES * PEOPLE)) -le 99000 ] || die "CYCLES × PEOPLE is at most 99000 (member numbers)"
case "$PROFILE" in debug | release) ;; *) die "PROFILE is debug or release" ;; esac

SESSHU="$REPO_ROOT/target/$PROFILE/sesshu"
LOAD="$REPO_ROOT/target/$PROFILE/sesshu-load"

kill_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

cleanup() {
    local status=$?
    kill_server
    if [ -n "$PG_DB" ]; then
        psql -X -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK_DIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_server DB_ARGS…: `sesshu demo` on the database, until /healthz answers.
start_server() {
    demo_start "$SERVER_LOG" --people $((CYCLES * PEOPLE)) "$@"
}

# sql DB NAME QUERY: one answer, unaligned (NAME, the phase in bench.sh, is unused here).
sql() {
    case "$1" in
        postgres) psql -X -q -A -t "$PG_URL" -c "$3" ;;
        sqlite) sqlite3 -batch "$WORK_DIR/sqlite/demo.sqlite" "$3" ;;
    esac
}

# invariants DB ACKED_BY: the database agrees with itself and with every 201 so far; sets
# ACKED_N to the number of 201s checked.
invariants() {
    local db="$1" acked="$2" over active dup missing n
    over="$(sql "$db" - "$INVARIANT_OVER")"
    active="$(sql "$db" - "$INVARIANT_BOOKED")"
    dup="$(sql "$db" - "$INVARIANT_ONE_SERIES")"
    n="$(grep -c . "$acked" || true)"
    cut -f3 "$acked" >"$WORK_DIR/numbers"
    missing="$(missing_acknowledged "$db" - "$WORK_DIR/numbers")"
    [ "$over" = 0 ] || fail "$db: $over slots over capacity"
    [ "$active" = 0 ] || fail "$db: $active slots whose booked count differs from their active reservations"
    [ "$dup" = 0 ] || fail "$db: $dup people with more than one active series"
    [ "$missing" = 0 ] || fail "$db: $missing of $n acknowledged bookings missing or not active"
    ACKED_N="$n"
}

# random_seconds FROM TO: a random duration between the two, for sleep.
random_seconds() {
    awk -v r="$RANDOM" -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + (b - a) * (r / 32767) }'
}

# replay LINE: logs the person in afresh and sends their booking again with its key.
replay() {
    local login slot number jar answer status got
    IFS=$'\t' read -r login slot number <<<"$1"
    jar="$WORK_DIR/replay-cookies"
    rm -f "$jar"
    curl -fsS -c "$jar" -o /dev/null -H 'Content-Type: application/json' \
        -d "{\"institution\":\"demo\",\"login\":\"$login\",\"password\":\"demo\"}" \
        "$BASE_URL/api/v1/login" || { fail "replay: $login cannot log in"; return; }
    answer="$(curl -sS -b "$jar" -w '\n%{http_code}' -H 'Content-Type: application/json' \
        -H "Idempotency-Key: crash-$login" -d "{\"slot_id\":$slot}" \
        "$BASE_URL/api/v1/me/reservations")"
    status="${answer##*$'\n'}"
    got="$(printf '%s' "${answer%$'\n'*}" | jq -r '.id // empty')"
    if [ "$status" != 201 ] || [ "$got" != "$number" ]; then
        fail "replay of $login: $status ${got:-(no number)}, first answer was 201 $number"
    fi
}

run_database() {
    local db="$1" db_args=()
    SERVER_LOG="$OUT_DIR/server-$db.log"
    : >"$SERVER_LOG"
    case "$db" in
        sqlite) db_args=(--data "$WORK_DIR/sqlite") ;;
        postgres)
            PG_DB="sesshu_crash_$$"
            psql -X -q "$PG_ADMIN_URL" -c "CREATE DATABASE $PG_DB" >/dev/null
            PG_URL="${PG_ADMIN_URL%/*}/$PG_DB"
            db_args=(--db "$PG_URL" --data "$WORK_DIR/pg-demo")
            ;;
        *) die "unknown database '$db' (sqlite or postgres)" ;;
    esac
    local all="$OUT_DIR/acked-$db.txt" cycle acked_total=0 replayed=0
    : >"$all"
    log "$db: seeding $((CYCLES * PEOPLE)) people"
    start_server "${db_args[@]}"
    for cycle in $(seq 1 "$CYCLES"); do
        local acked="$OUT_DIR/acked-$db-$cycle.txt" first=$(((cycle - 1) * PEOPLE + 1))
        rm -f "$acked"
        "$LOAD" --url "$BASE_URL" --people "$PEOPLE" --first-member "$first" \
            --concurrency "$CONCURRENCY" --idempotency-prefix crash --acked-by "$acked" \
            --timeout-secs 30 >"$OUT_DIR/load-$db-$cycle.txt" 2>&1 &
        local load_pid=$!
        if [ $((cycle % 3)) -eq 0 ]; then
            # Every third cycle: a random moment of the first 4 s, mostly the logins.
            sleep "$(random_seconds 0.3 4)"
        else
            # Otherwise in the middle of the bookings: once the crowd is released.
            local waited=0
            until grep -q ' people book ' "$OUT_DIR/load-$db-$cycle.txt" 2>/dev/null; do
                kill -0 "$load_pid" 2>/dev/null || break
                waited=$((waited + 1))
                [ "$waited" -lt 1500 ] || break
                sleep 0.02
            done
            sleep "$(random_seconds 0 0.8)"
        fi
        kill_server
        wait "$load_pid" || true
        [ -f "$acked" ] && cat "$acked" >>"$all"
        start_server "${db_args[@]}"
        invariants "$db" "$all"
        local n="$ACKED_N" line replays=0
        if [ -f "$acked" ]; then
            while IFS= read -r line && [ "$replays" -lt "$REPLAYS" ]; do
                [ -n "$line" ] || continue
                replay "$line"
                replays=$((replays + 1))
            done < <(shuf "$acked")
        fi
        replayed=$((replayed + replays))
        acked_total="$n"
        log "$db: cycle $cycle/$CYCLES: killed, restarted; $n acknowledged so far, $replays replayed"
    done
    kill_server
    printf '%s\t%s cycles\t%s acknowledged bookings checked\t%s replays\n' \
        "$db" "$CYCLES" "$acked_total" "$replayed" | tee -a "$OUT_DIR/summary.txt"
    if [ "$db" = postgres ]; then
        psql -X -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
        PG_DB=""
    fi
}

cd "$REPO_ROOT"
for tool in curl jq sqlite3 shuf; do
    command -v "$tool" >/dev/null 2>&1 || die "missing $tool"
done
if [[ " $DATABASES " == *" postgres "* ]]; then
    if [ -z "${SESSHU_TEST_POSTGRES_URL:-}" ]; then
        bash "$SCRIPT_DIR/test-env.sh" up >/dev/null
        # shellcheck source=/dev/null
        . "$REPO_ROOT/.test-env/env"
    fi
    PG_ADMIN_URL="$SESSHU_TEST_POSTGRES_URL"
    command -v psql >/dev/null 2>&1 || die "missing psql"
fi
log "building sesshu and sesshu-load ($PROFILE)"
# Two builds: built together with every feature, sesshu-load would get reqwest with the
# `rustls-no-provider` feature of sesshu's SAML metadata fetch (and no provider installed).
release=()
[ "$PROFILE" = release ] && release=(--release)
cargo build "${release[@]}" --all-features -p sesshu
cargo build "${release[@]}" -p sesshu-load
for db in $DATABASES; do
    run_database "$db"
done
[ "$FAILED" -eq 0 ] || die "violations found (FAIL above); logs in $OUT_DIR"
log "no violation; summary in $OUT_DIR/summary.txt"
