#!/usr/bin/env bash
# The benchmark of issue 14, in one command: the database's own limit and Sesshu's figures
# beside it, on a durable PostgreSQL cluster of the benchmark's own and on SQLite.
#
#   scripts/bench.sh                              every phase, both databases
#   PEOPLE=500 SECONDS_EACH=5 scripts/bench.sh    a quick run
#   DATABASES=postgres PHASES="raw spread" scripts/bench.sh
#   PEOPLE_60K=1 scripts/bench.sh                 also the 60,000-person run
#
# Phases (docs/benchmarks.md says what each measures):
#   trace    PostgreSQL only: one booking with log_statement = 'all', its statements counted
#   raw      PostgreSQL only: pgbench runs the booking's writes (spread, then hot)
#   spread   sesshu-load: PEOPLE people book at once, each a different slot
#   hot      sesshu-load: PEOPLE people book the 4 lanes of one time, raised to HOT_CAPACITY
#   reads    wrk on /healthz, availability (one day, whole range, with and without gzip), /days
#   mixed    sesshu-load spread with READERS readers refreshing the availability
#   overload sesshu-load spread at OVERLOAD × CONCURRENCY requests in flight (1×, 3×, 10×):
#            those the door admits stay fast, the others hear 503 busy at once and retry
#   60k      PEOPLE_60K=1: `sesshu demo --people 60000`, then 60,000 people log in and book
# After each HTTP run the database is checked (no slot over capacity, booked = active
# reservations, one active series per person, every acknowledged booking active).
#
# Environment (defaults in brackets):
#   PEOPLE [2000]  CONCURRENCY [64]  DATABASES ["postgres sqlite"]  SECONDS_EACH [15] (pgbench -T)
#   PHASES ["trace raw spread hot reads mixed"]  PEOPLE_60K [0]  BIG_PEOPLE [60000]
#   HOT_CAPACITY [2000]  RAW_CAPACITY [1000000]  READERS [200]  THINK_MS [1000]  OVERLOAD ["1 3 10"]
#   WRK_SECONDS [10]  WRK_CONNECTIONS [64]  WRK_THREADS [2]
#   PORT [18181] (the demo; its back office on PORT+1)
#   BENCH_PG_DIR [target/bench-pg]  BENCH_PG_PORT [55450]  BENCH_KEEP_PG [0]  PG_BIN
#   OUT_DIR [target/bench/<UTC time>]: summary.txt, bench.json, every report and log
# Exits non-zero if a check fails (sesshu-load's own, the invariants, pgbench's).
set -euo pipefail

PEOPLE="${PEOPLE:-2000}"
CONCURRENCY="${CONCURRENCY:-64}"
DATABASES="${DATABASES:-postgres sqlite}"
SECONDS_EACH="${SECONDS_EACH:-15}"
PHASES="${PHASES:-trace raw spread hot reads mixed overload}"
OVERLOAD="${OVERLOAD:-1 3 10}"
PEOPLE_60K="${PEOPLE_60K:-0}"
BIG_PEOPLE="${BIG_PEOPLE:-60000}"
HOT_CAPACITY="${HOT_CAPACITY:-2000}"
RAW_CAPACITY="${RAW_CAPACITY:-1000000}"
READERS="${READERS:-200}"
THINK_MS="${THINK_MS:-1000}"
WRK_SECONDS="${WRK_SECONDS:-10}"
WRK_CONNECTIONS="${WRK_CONNECTIONS:-64}"
WRK_THREADS="${WRK_THREADS:-2}"
PORT="${PORT:-18181}"
OFFICE_PORT=$((PORT + 1))
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
BENCH_PG_PORT="${BENCH_PG_PORT:-55450}"
BENCH_KEEP_PG="${BENCH_KEEP_PG:-0}"
PG_USER=postgres
if [ "$PEOPLE_60K" = 1 ] && [[ " $PHASES " != *" 60k "* ]]; then
    PHASES="$PHASES 60k"
fi

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=lib/rush.sh
. "$SCRIPT_DIR/lib/rush.sh"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd -P)"
SESSHU="$REPO_ROOT/target/release/sesshu"
LOAD="$REPO_ROOT/target/release/sesshu-load"
BASE_URL="http://127.0.0.1:$PORT"
BENCH_PG_DIR="${BENCH_PG_DIR:-$REPO_ROOT/target/bench-pg}"
PG_DATA="$BENCH_PG_DIR/data"
PG_LOG="$BENCH_PG_DIR/postgres.log"

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }
has_phase() { [[ " $PHASES " == *" $1 "* ]]; }

for n in PEOPLE CONCURRENCY SECONDS_EACH BIG_PEOPLE HOT_CAPACITY RAW_CAPACITY READERS THINK_MS \
    WRK_SECONDS WRK_CONNECTIONS WRK_THREADS PORT BENCH_PG_PORT; do
    [[ "${!n}" =~ ^[0-9]+$ ]] || die "$n must be a number, got '${!n}'"
done
case "$BENCH_PG_PORT" in
    55432 | 55440) die "port $BENCH_PG_PORT belongs to another cluster (test: 55432, scratch: 55440)" ;;
esac
for phase in $PHASES; do
    case "$phase" in trace | raw | spread | hot | reads | mixed | overload | 60k) ;;
        *) die "unknown phase '$phase' (trace raw spread hot reads mixed overload 60k)" ;;
    esac
done

if [ -n "${OUT_DIR:-}" ]; then
    mkdir -p "$OUT_DIR"
else
    OUT_DIR="$REPO_ROOT/target/bench/$(date -u +%Y%m%dT%H%M%SZ)"
    mkdir -p "$OUT_DIR"
fi
OUT_DIR="$(cd "$OUT_DIR" && pwd -P)"
WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/sesshu-bench.XXXXXX")"
FIGURES="$OUT_DIR/figures.tsv"
: >"$FIGURES"
SERVER_PID=""
PG_STARTED_PID=""
FAILED=0

# ---------------------------------------------------------------- processes

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    local pid="$SERVER_PID"
    SERVER_PID=""
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
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
    if [ -n "$PG_STARTED_PID" ] && [ "$BENCH_KEEP_PG" != 1 ]; then
        pg_stop || true
    fi
    rm -rf "$WORK_DIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts `sesshu demo` with the given arguments and waits for /healthz; sets SERVER_PID and
# STARTUP_S (seconds from the start to the first healthy answer: the seeding is in it).
start_server() {
    local name="$1"
    shift
    local server_log="$OUT_DIR/server-$name.log" start
    log "starting sesshu demo ($name) on port $PORT, log $server_log"
    : >"$server_log"
    start=$(date +%s.%N)
    demo_start "$server_log" "$@"
    STARTUP_S="$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')"
    log "server up after $STARTUP_S s"
}

elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%d", e - s }'; }

# Peak resident memory of the server so far (VmHWM), in MB.
server_peak_mb() {
    awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status" 2>/dev/null || true
}

# ---------------------------------------------------------------- figures

# figure DB PHASE NAME VALUE UNIT [LIMIT_NAME LIMIT_VALUE]: one line of the summary; the ratio
# is VALUE / LIMIT_VALUE when both are numbers.
figure() {
    local db="$1" phase="$2" name="$3" value="$4" unit="$5" limit_name="${6:-}" limit="${7:-}"
    local ratio=""
    if [[ "$value" =~ ^[0-9.]+$ ]] && [[ "$limit" =~ ^[0-9.]+$ ]]; then
        ratio="$(awk -v v="$value" -v l="$limit" 'BEGIN { if (l > 0) printf "%.3f", v / l }')"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$db" "$phase" "$name" "$value" "$unit" \
        "$limit_name" "$limit" "$ratio" >>"$FIGURES"
    printf 'bench: %-9s %-7s %-42s %12s %-10s %s\n' "$db" "$phase" "$name" "$value" "$unit" \
        "${ratio:+ratio $ratio to $limit_name}" >&2
}

# The value of a figure recorded earlier in this run (for ratios), or nothing.
figure_value() {
    awk -F'\t' -v db="$1" -v p="$2" -v n="$3" '$1 == db && $2 == p && $3 == n { v = $4 } END { print v }' \
        "$FIGURES"
}

fail() {
    log "FAIL: $*"
    FAILED=1
}

# ---------------------------------------------------------------- tools

ensure_tools() {
    local missing=() tool
    for tool in wrk jq curl sqlite3; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    is_root || die "missing ${missing[*]} (Debian packages of the same names) and not root"
    log "installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o DPkg::Lock::Timeout=300 "${missing[@]}"
}

# ---------------------------------------------------------------- the PostgreSQL cluster

as_pg() {
    if is_root; then
        (cd / && runuser -u "$PG_USER" -- "$@")
    else
        (cd / && "$@")
    fi
}

# Make $1 and its ancestors traversable by postgres (o+x only where it is refused).
ensure_traversable() {
    is_root || return 0
    local path="" part
    local -a parts
    IFS=/ read -r -a parts <<<"${1#/}"
    for part in "${parts[@]}"; do
        [ -n "$part" ] || continue
        path="$path/$part"
        if ! runuser -u "$PG_USER" -- test -x "$path"; then
            log "chmod o+x $path (so that $PG_USER can reach it)"
            chmod o+x "$path"
        fi
    done
}

pg_socket_dir() {
    local sock="$BENCH_PG_DIR/.s.PGSQL.$BENCH_PG_PORT"
    if [ "${#sock}" -lt 100 ]; then
        printf '%s\n' "$BENCH_PG_DIR"
    else
        printf '/tmp/sesshu-bench-pg-%s\n' "$(id -u)"
    fi
}

# The PID of our cluster's live postmaster, or nothing.
pg_pid() {
    local pid
    pid="$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = postgres ] || return 0
    local stat
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 0
    stat="${stat##*) }"
    case "${stat%% *}" in Z | X) return 0 ;; esac
    printf '%s\n' "$pid"
}

# Starts the cluster unless it runs already (idempotent). Durable: fsync, synchronous_commit
# and full_page_writes are left at PostgreSQL's defaults (all on), and checked after start.
pg_start() {
    local pid sockdir conf
    pid="$(pg_pid)"
    if [ -n "$pid" ]; then
        [ "$(sed -n 4p "$PG_DATA/postmaster.pid")" = "$BENCH_PG_PORT" ] ||
            die "the cluster in $PG_DATA runs on another port; stop it first (pid $pid)"
        log "benchmark cluster already running (pid $pid, port $BENCH_PG_PORT)"
        return 0
    fi
    mkdir -p "$BENCH_PG_DIR"
    sockdir="$(pg_socket_dir)"
    mkdir -p "$sockdir"
    if is_root; then
        chown "$PG_USER:" "$BENCH_PG_DIR" "$sockdir"
        ensure_traversable "$BENCH_PG_DIR"
        ensure_traversable "$sockdir"
    fi
    rm -f "$PG_DATA/postmaster.pid" "$sockdir/.s.PGSQL.$BENCH_PG_PORT.lock"
    if [ ! -s "$PG_DATA/PG_VERSION" ]; then
        log "initdb $PG_DATA"
        rm -rf "$PG_DATA"
        as_pg "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres -E UTF8 --locale=C >/dev/null
        printf "\ninclude_if_exists = 'sesshu-bench.conf'\n" >>"$PG_DATA/postgresql.conf"
    fi
    conf="$PG_DATA/sesshu-bench.conf"
    cat >"$conf" <<EOF
# Written by scripts/bench.sh: the benchmark's own cluster, on loopback only.
# Durable as production runs: fsync, synchronous_commit and full_page_writes keep their
# defaults (on); the benchmark checks them after the start.
port = $BENCH_PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '${sockdir//\'/\'\'}'
shared_buffers = 256MB
max_connections = 200
log_line_prefix = '%m [%p] db=%d '
EOF
    if is_root; then chown "$PG_USER:" "$conf"; fi
    log "starting the benchmark cluster on 127.0.0.1:$BENCH_PG_PORT (log $PG_LOG)"
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null; then
        tail -n 20 "$PG_LOG" >&2 || true
        die "pg_ctl start failed"
    fi
    PG_STARTED_PID="$(pg_pid)"
}

# Stops the cluster this script started, by its PID (SIGINT: PostgreSQL's fast shutdown).
pg_stop() {
    local pid="$PG_STARTED_PID"
    [ -n "$pid" ] || return 0
    PG_STARTED_PID=""
    [ "$(pg_pid)" = "$pid" ] || return 0
    log "stopping the benchmark cluster (pid $pid)"
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 120); do
        [ -n "$(pg_pid)" ] || return 0
        sleep 0.5
    done
    log "the cluster (pid $pid) did not stop in 60 s"
}

pg_url() { printf 'postgres://postgres@127.0.0.1:%s/%s\n' "$BENCH_PG_PORT" "$1"; }

# psql on database $1 of the benchmark cluster, unaligned, tuples only.
pg_sql() {
    local db="$1"
    shift
    PGOPTIONS='-c client_min_messages=warning' psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$BENCH_PG_PORT" -U postgres -d "$db" "$@"
}

pg_fresh() {
    pg_sql postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1 ${2:+TEMPLATE $2}"
}

# ---------------------------------------------------------------- databases of a phase

# Each phase runs on a fresh copy of one seeded database: the same slots, no booking yet.
# `sesshu demo` seeds (slots, institutions, PEOPLE members) on first start; a copy keeps that,
# and the demo started on it only upserts the members again.
seed() {
    local db="$1"
    case "$db" in
        postgres)
            pg_fresh bench_seed
            start_server seed-postgres --db "$(pg_url bench_seed)" --people "$PEOPLE" \
                --data "$WORK_DIR/pg-demo"
            ;;
        sqlite)
            start_server seed-sqlite --data "$WORK_DIR/sqlite-seed" --reset --people "$PEOPLE"
            ;;
    esac
    stop_server
}

# copy DB PHASE: a fresh copy of the seed for PHASE; prints the server arguments that use it.
copy_of_seed() {
    local db="$1" phase="$2"
    case "$db" in
        postgres)
            pg_fresh "bench_$phase" bench_seed >/dev/null
            printf '%s\n' --db "$(pg_url "bench_$phase")" --data "$WORK_DIR/pg-demo"
            ;;
        sqlite)
            rm -rf "$WORK_DIR/sqlite-$phase"
            cp -a "$WORK_DIR/sqlite-seed" "$WORK_DIR/sqlite-$phase"
            printf '%s\n' --data "$WORK_DIR/sqlite-$phase"
            ;;
    esac
}

# sql DB PHASE QUERY: one query on the phase's database, the answer unaligned.
sql() {
    case "$1" in
        postgres) pg_sql "bench_$2" -c "$3" ;;
        sqlite) sqlite3 -batch "$WORK_DIR/sqlite-$2/demo.sqlite" "$3" ;;
    esac
}

# Midnight (Asia/Tokyo) of today + $1 days, as Unix seconds (Tokyo has no daylight saving).
tokyo_midnight() {
    local today
    today="$(TZ=Asia/Tokyo date -d "$(TZ=Asia/Tokyo date +%Y-%m-%d)" +%s)"
    printf '%s\n' $((today + $1 * 86400))
}

# A time expression for Unix seconds $2 in database $1's dialect (SQLite keeps Unix seconds).
at() {
    case "$1" in
        postgres) printf 'to_timestamp(%s)' "$2" ;;
        sqlite) printf '%s' "$2" ;;
    esac
}

days_28() {
    case "$1" in
        postgres) printf "interval '28 days'" ;;
        sqlite) printf '%s' $((28 * 86400)) ;;
    esac
}

# The hot slots: the four lanes of the earliest first-dose time a week from today or later
# (clear of the change deadline), as a condition on `slots`.
hot_first_doses() {
    local from
    from="$(at "$1" "$(tokyo_midnight 7)")"
    printf 'dose = 1 AND starts_at = (SELECT min(starts_at) FROM slots WHERE dose = 1 AND starts_at >= %s)' \
        "$from"
}

# Raises the hot slots of the phase's database to $3 places, and the second-dose slots at the
# same time 28 days later (where their second doses go) with them. Before the server starts.
raise_hot_capacity() {
    local db="$1" phase="$2" capacity="$3" hot
    hot="$(hot_first_doses "$db")"
    local changed
    changed="$(sql "$db" "$phase" "UPDATE slots SET capacity = $capacity WHERE ($hot) OR (dose = 2 AND starts_at IN (SELECT starts_at + $(days_28 "$db") FROM slots WHERE $hot)) RETURNING id" | wc -l)"
    [ "$changed" -eq 8 ] || die "expected 8 hot slots (4 lanes, both doses), raised $changed"
    log "raised 4 first-dose and 4 second-dose slots to $capacity places"
}

# ---------------------------------------------------------------- the invariants

# invariants DB PHASE [ACKED_FILE]: the database agrees with itself and with the 201 answers.
invariants() {
    local db="$1" phase="$2" acked="${3:-}" n ok=1
    local over active dup missing
    over="$(sql "$db" "$phase" "$INVARIANT_OVER")"
    active="$(sql "$db" "$phase" "$INVARIANT_BOOKED")"
    dup="$(sql "$db" "$phase" "$INVARIANT_ONE_SERIES")"
    printf 'invariants %s %s\n' "$db" "$phase"
    report_invariant "no slot over capacity" "$over" "slots over capacity or below 0" || ok=0
    report_invariant "booked = active reservations, per slot" "$active" "slots differ" || ok=0
    report_invariant "one active series per person" "$dup" "people with more than one" || ok=0
    if [ -n "$acked" ]; then
        n="$(grep -c . "$acked" || true)"
        missing="$(missing_acknowledged "$db" "$phase" "$acked")"
        report_invariant "every acknowledged booking exists and is active ($n acknowledged)" \
            "$missing" "missing or not active" || ok=0
        local total
        total="$(sql "$db" "$phase" "SELECT count(*) FROM series WHERE state = 'booked'")"
        printf '  info  active series in the database: %s, acknowledged: %s\n' "$total" "$n"
    fi
    if [ "$ok" -eq 1 ]; then
        figure "$db" "$phase" "invariants" PASS ""
    else
        figure "$db" "$phase" "invariants" FAIL ""
        fail "invariants on $db ($phase)"
    fi
}

report_invariant() {
    if [ "$2" = 0 ]; then
        printf '  PASS  %s\n' "$1"
    else
        printf '  FAIL  %s: %s %s\n' "$1" "$2" "$3"
        return 1
    fi
}

# ---------------------------------------------------------------- sesshu-load runs

# load DB PHASE [ARGS…]: sesshu-load against the running server; the report in OUT_DIR.
load() {
    local db="$1" phase="$2"
    shift 2
    local json="$OUT_DIR/load-$db-$phase.json"
    ACKED="$OUT_DIR/acked-$db-$phase.txt"
    printf '\n=== sesshu-load %s %s (%s, load average %s) ===\n' "$db" "$phase" \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(cut -d' ' -f1-3 /proc/loadavg)"
    if ! "$LOAD" --url "$BASE_URL" --concurrency "$CONCURRENCY" --json "$json" \
        --acked "$ACKED" "$@" | tee "$OUT_DIR/load-$db-$phase.txt"; then
        fail "sesshu-load on $db ($phase); server log $OUT_DIR/server-$db-$phase.log"
    fi
    LOAD_JSON="$json"
}

j() { jq -r "$1" "$LOAD_JSON"; }

booking_figures() {
    local db="$1" phase="$2" limit_name="${3:-}" limit="${4:-}"
    figure "$db" "$phase" "bookings/s" "$(j '.booking.successes_per_s | . * 10 | round / 10')" \
        "1/s" "$limit_name" "$limit"
    figure "$db" "$phase" "booking p50" "$(j '.booking.latency.p50_ms | . * 10 | round / 10')" ms
    figure "$db" "$phase" "booking p99" "$(j '.booking.latency.p99_ms | . * 10 | round / 10')" ms
    figure "$db" "$phase" "bookings (201)" "$(j '.booking.successes')" ""
    figure "$db" "$phase" "logins/s" "$(j '.login.successes_per_s | . * 10 | round / 10')" "1/s"
}

# ---------------------------------------------------------------- phases

phase_trace() {
    local db="$1" args slot mark
    mapfile -t args < <(copy_of_seed "$db" trace)
    pg_sql postgres -c "ALTER DATABASE bench_trace SET log_statement = 'all'"
    start_server "$db-trace" "${args[@]}" --people "$PEOPLE"
    local jar="$WORK_DIR/trace-cookies"
    curl -fsS -c "$jar" -o /dev/null -H 'Content-Type: application/json' \
        -d '{"institution":"demo","login":"member00001","password":"demo"}' "$BASE_URL/api/v1/login"
    slot="$(sql "$db" trace "SELECT id FROM slots WHERE $(hot_first_doses "$db") ORDER BY lane_id LIMIT 1")"
    sleep 1
    mark="$(stat -c %s "$PG_LOG")"
    local status
    status="$(curl -sS -b "$jar" -o "$WORK_DIR/trace-answer" -w '%{http_code}' \
        -H 'Content-Type: application/json' -d "{\"slot_id\":$slot}" \
        "$BASE_URL/api/v1/me/reservations")"
    [ "$status" = 201 ] || fail "the traced booking answered $status: $(head -c 300 "$WORK_DIR/trace-answer")"
    sleep 1
    stop_server
    local trace="$OUT_DIR/trace-$db.txt"
    # The statements of database bench_trace after the mark: the booking request's, and the
    # mail worker's if it ran in that second (its lines name mail_jobs).
    tail -c +"$((mark + 1))" "$PG_LOG" | grep -E 'db=bench_trace LOG:  (statement|execute)' |
        sed -E 's/^.* LOG:  (statement|execute [^:]*): //' >"$trace" || true
    printf '\n=== statements of one booking (POST /api/v1/me/reservations), %s ===\n' "$db"
    awk '{ k = toupper($1); if (k ~ /^(BEGIN|COMMIT|ROLLBACK)/) k = k; else if (k == "WITH") k = "WITH (CTE)"; print k }' \
        "$trace" | sort | uniq -c | sort -rn
    printf '  (each statement listed in %s)\n' "$trace"
    figure "$db" trace "statements in 1 s after one booking (request + mail worker)" "$(grep -c . "$trace" || true)" ""
    figure "$db" trace "transactions in that second" "$(grep -ciE '^(BEGIN|START)' "$trace" || true)" ""
}

# pgbench of the booking's writes: spread over every bookable first-dose slot, or hot (the
# four lanes of one time). docs/benchmarks.md lists what it mirrors.
phase_raw() {
    local db="$1" mode
    for mode in spread hot; do
        raw_one "$mode"
    done
}

raw_one() {
    local mode="$1" name="raw_$1" dbname="bench_raw_$1"
    pg_fresh "$dbname" bench_seed >/dev/null
    local persons=$((SECONDS_EACH * 20000 + 100000))
    # People who book (the real booking knows its person from the session), every slot made
    # large enough that no UPDATE finds its slot full during the run: a full slot's UPDATE
    # changes nothing and holds no lock, which would flatter the figure.
    pg_sql "$dbname" >/dev/null <<EOF
INSERT INTO persons (institution_id, subject, user_type, department_code, first_seen_at, last_seen_at)
SELECT (SELECT id FROM institutions WHERE code = 'demo'), 'bench' || n, 'student', 'med', now(), now()
FROM generate_series(1, $persons) AS n;
CREATE SEQUENCE bench_person;
SELECT setval('bench_person', (SELECT min(id) FROM persons WHERE subject LIKE 'bench%'), false);
UPDATE slots SET capacity = $RAW_CAPACITY;
VACUUM ANALYZE;
EOF
    local from lo hi k vaccine h h2 bad
    from="$(tokyo_midnight 4)"
    read -r lo hi vaccine < <(pg_sql "$dbname" -F' ' -c \
        "SELECT min(id), max(id), min(vaccine_id) FROM slots WHERE dose = 1 AND starts_at >= to_timestamp($from)")
    k="$(pg_sql "$dbname" -c "SELECT (SELECT min(id) FROM slots WHERE dose = 2) - (SELECT min(id) FROM slots WHERE dose = 1)")"
    # The demo inserts slots day by day, time by time, lane by lane: first-dose slot id + k is
    # the second-dose slot of the same lane and time 28 days later. Checked, not assumed.
    bad="$(pg_sql "$dbname" -c "SELECT count(*) FROM generate_series($lo, $hi) AS g(id) LEFT JOIN slots f ON f.id = g.id AND f.dose = 1 LEFT JOIN slots s ON s.id = g.id + $k AND s.dose = 2 AND s.lane_id = f.lane_id AND s.starts_at = f.starts_at + interval '28 days' WHERE s.id IS NULL")"
    [ "$bad" = 0 ] || die "the demo's slots are not laid out as phase raw expects ($bad without a partner)"
    h="$(pg_sql "$dbname" -c "SELECT min(id) FROM slots WHERE $(hot_first_doses postgres)")"
    # Where the real booking puts the second doses of the hot time: the nearest second-dose
    # slot 28 days later, lanes in order (domain::Booker::second_dose_candidates): lane A.
    h2="$(pg_sql "$dbname" -c "SELECT id FROM slots WHERE dose = 2 AND starts_at = (SELECT starts_at FROM slots WHERE id = $h) + interval '28 days' ORDER BY lane_id LIMIT 1")"
    local script="$OUT_DIR/pgbench-$mode.sql"
    {
        if [ "$mode" = spread ]; then
            printf '\\set a random(:lo, :hi)\n\\set b :a + :k\n'
        else
            printf '\\set a random(:h, :h + 3)\n\\set b :h2\n'
        fi
        cat <<'EOF'
BEGIN;
UPDATE slots SET booked = booked + 1 WHERE id = :a AND booked < capacity;
UPDATE slots SET booked = booked + 1 WHERE id = :b AND booked < capacity;
WITH p AS (SELECT nextval('bench_person') AS id),
s AS (INSERT INTO series (number, person_id, vaccine_id, state, created_at, updated_at, check_in_token) SELECT 'B' || p.id, p.id, CAST(:vaccine AS BIGINT), 'booked', now(), now(), upper(md5(random()::text)) FROM p RETURNING id, person_id, number),
d AS (INSERT INTO series_doses (series_id, dose, slot_id) SELECT id, 1, CAST(:a AS BIGINT) FROM s UNION ALL SELECT id, 2, CAST(:b AS BIGINT) FROM s)
INSERT INTO mail_jobs (kind, series_id, person_id, dose, language, snapshot, next_attempt_at, created_at) SELECT 'booked', s.id, s.person_id, NULL, 'ja', '{"number":"' || s.number || '","doses":[{"dose":1,"venue":1,"lane":1,"starts_at":"2026-12-08T00:30:00Z","ends_at":"2026-12-08T01:00:00Z"},{"dose":2,"venue":1,"lane":1,"starts_at":"2027-01-05T00:30:00Z","ends_at":"2027-01-05T01:00:00Z"}]}', now(), now() FROM s;
END;
EOF
    } >"$script"
    local out="$OUT_DIR/pgbench-$mode.txt"
    printf '\n=== pgbench %s: -c %s -j 2 -T %s -M prepared (load average %s) ===\n' "$mode" \
        "$CONCURRENCY" "$SECONDS_EACH" "$(cut -d' ' -f1-3 /proc/loadavg)"
    local status=0
    pgbench -h 127.0.0.1 -p "$BENCH_PG_PORT" -U postgres -n -M prepared -j 2 \
        -c "$CONCURRENCY" -T "$SECONDS_EACH" -D lo="$lo" -D hi="$hi" -D k="$k" -D h="$h" \
        -D h2="$h2" -D vaccine="$vaccine" -f "$script" "$dbname" >"$out" 2>&1 || status=$?
    grep -E 'transactions actually processed|failed transactions|latency average|^tps' "$out" || true
    [ "$status" -eq 0 ] || { tail -n 5 "$out" >&2; fail "pgbench $mode exited $status"; }
    local tps processed series
    tps="$(sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\)/\1/p' "$out")"
    processed="$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$out")"
    figure postgres "$name" "transactions/s" "$(printf '%.1f' "${tps:-0}")" "1/s"
    figure postgres "$name" "latency average" \
        "$(sed -nE 's/^latency average = ([0-9.]+) ms/\1/p' "$out")" ms
    # Each transaction is one booking: its series, its two places, nothing skipped.
    series="$(pg_sql "$dbname" -c "SELECT count(*) FROM series WHERE number LIKE 'B%'")"
    [ "$series" = "${processed:-x}" ] || fail "pgbench $mode: $processed transactions, $series series"
    # invariants() reads database bench_<phase>: $dbname is bench_raw_<mode>.
    invariants postgres "$name"
    pg_sql postgres -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)"
}

phase_booking() {
    local db="$1" phase="$2" args
    mapfile -t args < <(copy_of_seed "$db" "$phase")
    local mode=spread
    if [ "$phase" = hot ]; then
        raise_hot_capacity "$db" "$phase" "$HOT_CAPACITY"
        mode=hot
    fi
    start_server "$db-$phase" "${args[@]}" --people "$PEOPLE"
    load "$db" "$phase" --people "$PEOPLE" --mode "$mode"
    local peak
    peak="$(server_peak_mb)"
    stop_server
    local limit_name="" limit=""
    if [ "$db" = postgres ]; then
        limit_name="raw_$mode transactions/s"
        limit="$(figure_value postgres "raw_$mode" "transactions/s")"
    fi
    booking_figures "$db" "$phase" "$limit_name" "$limit"
    figure "$db" "$phase" "server peak RSS" "$peak" MB
    invariants "$db" "$phase" "$ACKED"
}

# wrk_run DB NAME PATH [HEADER…]: requests/s and p99 of one path, 10 s at 64 connections.
wrk_run() {
    local db="$1" name="$2" path="$3"
    shift 3
    local headers=() h
    for h in "$@"; do headers+=(-H "$h"); done
    local out="$OUT_DIR/wrk-$db-${name//[^a-z0-9]/_}.txt"
    wrk -t "$WRK_THREADS" -c "$WRK_CONNECTIONS" -d "${WRK_SECONDS}s" --latency "${headers[@]}" \
        "$BASE_URL$path" >"$out" 2>&1 || fail "wrk $name on $db"
    local rps p99 errors
    rps="$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")"
    p99="$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } printf "%.2f", v }' "$out")"
    errors="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")"
    [ -z "$errors" ] || fail "wrk $name on $db: $errors answers not 2xx/3xx"
    local healthz
    healthz="$(figure_value "$db" reads "/healthz requests/s")"
    figure "$db" reads "$name requests/s" "${rps:-0}" "1/s" "/healthz requests/s" "$healthz"
    figure "$db" reads "$name p99" "${p99:-}" ms
}

phase_reads() {
    local db="$1" args
    mapfile -t args < <(copy_of_seed "$db" reads)
    start_server "$db-reads" "${args[@]}" --people "$PEOPLE"
    local jar="$WORK_DIR/reads-cookies" cookie day status
    curl -fsS -c "$jar" -o /dev/null -H 'Content-Type: application/json' \
        -d '{"institution":"demo","login":"member00001","password":"demo"}' "$BASE_URL/api/v1/login"
    cookie="$(awk -F'\t' '!/^#/ || /^#HttpOnly_/ { if (NF >= 7) { printf "%s%s=%s", sep, $6, $7; sep = "; " } }' "$jar")"
    status="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$BASE_URL/days")"
    [ "$status" = 200 ] || fail "/days with the member's session answered $status, not 200"
    day="$(TZ=Asia/Tokyo date -d "@$(tokyo_midnight 7)" +%Y-%m-%d)"
    printf '\n=== wrk %s: -t %s -c %s -d %ss (load average %s) ===\n' "$db" "$WRK_THREADS" \
        "$WRK_CONNECTIONS" "$WRK_SECONDS" "$(cut -d' ' -f1-3 /proc/loadavg)"
    wrk_run "$db" /healthz /healthz
    wrk_run "$db" "day" "/api/v1/availability?from=$day&to=$day"
    wrk_run "$db" "day gzip" "/api/v1/availability?from=$day&to=$day" 'Accept-Encoding: gzip'
    wrk_run "$db" "range" /api/v1/availability
    wrk_run "$db" "range gzip" /api/v1/availability 'Accept-Encoding: gzip'
    wrk_run "$db" "/days signed in" /days "Cookie: $cookie"
    wrk_run "$db" "/days signed in gzip" /days "Cookie: $cookie" 'Accept-Encoding: gzip'
    figure "$db" reads "range body" "$(curl -s "$BASE_URL/api/v1/availability" | wc -c)" bytes
    figure "$db" reads "range body gzip" \
        "$(curl -s -H 'Accept-Encoding: gzip' "$BASE_URL/api/v1/availability" | wc -c)" bytes
    stop_server
}

phase_mixed() {
    local db="$1" args
    mapfile -t args < <(copy_of_seed "$db" mixed)
    start_server "$db-mixed" "${args[@]}" --people "$PEOPLE"
    load "$db" mixed --people "$PEOPLE" --mode spread --readers "$READERS" --think-ms "$THINK_MS"
    stop_server
    booking_figures "$db" mixed "$db spread bookings/s" "$(figure_value "$db" spread "bookings/s")"
    local kind
    for kind in "availability, one day" "availability, whole range"; do
        local r=".reads[] | select(.kind == \"$kind\")"
        figure "$db" mixed "$kind: reads" "$(j "$r | .phase.requests")" ""
        figure "$db" mixed "$kind: p50" "$(j "$r | .phase.latency.p50_ms | . * 10 | round / 10")" ms
        figure "$db" mixed "$kind: p99" "$(j "$r | .phase.latency.p99_ms | . * 10 | round / 10")" ms
        figure "$db" mixed "$kind: 304 share" "$(j "$r | .not_modified_share | . * 1000 | round / 1000")" ""
    done
    invariants "$db" mixed "$ACKED"
}

# The same crowd at OVERLOAD times the requests in flight: the door (defaults: 64 in flight, a
# queue of 256, 50 ms at most in it) keeps the admitted fast and answers the rest 503 busy at
# once; sesshu-load retries those after Retry-After, as the busy page does.
phase_overload() {
    local db="$1" times args
    for times in $OVERLOAD; do
        local phase="overload_${times}x" concurrency=$((CONCURRENCY * times))
        mapfile -t args < <(copy_of_seed "$db" "$phase")
        start_server "$db-$phase" "${args[@]}" --people "$PEOPLE"
        CONCURRENCY="$concurrency" load "$db" "$phase" --people "$PEOPLE" --mode spread
        local peak
        peak="$(server_peak_mb)"
        stop_server
        figure "$db" "$phase" "requests in flight (client)" "$concurrency" ""
        figure "$db" "$phase" "bookings/s" "$(j '.booking.successes_per_s | . * 10 | round / 10')" \
            "1/s" "$db spread bookings/s" "$(figure_value "$db" spread "bookings/s")"
        local p
        for p in login booking; do
            figure "$db" "$phase" "$p admitted p99" "$(j ".$p.admitted.p99_ms | . * 10 | round / 10")" ms "target" 250
            figure "$db" "$phase" "$p busy p99" "$(j ".$p.busy.p99_ms | . * 10 | round / 10")" ms "target" 100
            figure "$db" "$phase" "$p busy answers" "$(j ".$p.busy_answers")" ""
        done
        figure "$db" "$phase" "5xx but busy, transport errors" \
            "$(j '[.login.outcomes, .booking.outcomes | to_entries[] | select((.key | test("^5|^transport")) and .key != "503 busy") | .value] | add // 0')" ""
        figure "$db" "$phase" "server peak RSS" "$peak" MB
        invariants "$db" "$phase" "$ACKED"
    done
}

phase_60k() {
    local db="$1" args=()
    case "$db" in
        postgres)
            pg_fresh bench_60k >/dev/null
            args=(--db "$(pg_url bench_60k)" --data "$WORK_DIR/pg-demo")
            ;;
        sqlite)
            args=(--data "$WORK_DIR/sqlite-60k" --reset)
            ;;
    esac
    start_server "$db-60k" "${args[@]}" --people "$BIG_PEOPLE"
    figure "$db" 60k "seeding and start-up" "$STARTUP_S" s
    load "$db" 60k --people "$BIG_PEOPLE" --mode spread --timeout-secs 600
    local peak
    peak="$(server_peak_mb)"
    stop_server
    figure "$db" 60k "time until the last place was taken" "$(j '.last_success_s // 0 | . * 10 | round / 10')" s
    figure "$db" 60k "places taken (201)" "$(j '.booking.successes')" "" "free places" "$(j '.target_free_places')"
    figure "$db" 60k "errors besides slot_full" "$(j '[.booking.outcomes | to_entries[] | select(.key != "201" and .key != "409 slot_full") | .value] | add // 0')" ""
    figure "$db" 60k "failed logins" "$(j '.login.requests - .login.successes')" ""
    figure "$db" 60k "logins/s" "$(j '.login.successes_per_s | . * 10 | round / 10')" "1/s"
    figure "$db" 60k "requests over 2 s" "$(j '.login.over_2s + .booking.over_2s')" ""
    figure "$db" 60k "server peak RSS" "$peak" MB "256 MB target" 256
    invariants "$db" 60k "$ACKED"
}

# ---------------------------------------------------------------- main

cd "$REPO_ROOT"
ensure_tools
log "building release binaries"
cargo build --release -p sesshu -p sesshu-load

{
    printf 'commit %s%s\n' "$(git rev-parse --short HEAD 2>/dev/null || echo '?')" \
        "$(git diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)')"
    printf 'date %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'machine %s cores, %s, %s, Linux %s\n' "$(nproc)" \
        "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)" \
        "$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)" "$(uname -r)"
    printf 'settings PEOPLE=%s CONCURRENCY=%s SECONDS_EACH=%s HOT_CAPACITY=%s READERS=%s THINK_MS=%s WRK=%s×%s×%ss PHASES="%s"\n' \
        "$PEOPLE" "$CONCURRENCY" "$SECONDS_EACH" "$HOT_CAPACITY" "$READERS" "$THINK_MS" \
        "$WRK_THREADS" "$WRK_CONNECTIONS" "$WRK_SECONDS" "$PHASES"
} >"$OUT_DIR/setup.txt"
cat "$OUT_DIR/setup.txt" >&2

for db in $DATABASES; do
    case "$db" in
        postgres)
            pg_start
            printf '\n=== PostgreSQL durability (the benchmark cluster, port %s) ===\n' "$BENCH_PG_PORT"
            pg_sql postgres -F' = ' -c "SELECT name, current_setting(name) FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'shared_buffers', 'max_connections') ORDER BY name" |
                tee "$OUT_DIR/postgres-settings.txt"
            for s in fsync synchronous_commit full_page_writes; do
                [ "$(pg_sql postgres -c "SHOW $s")" = on ] || die "$s is not on: not a durable cluster"
            done
            figure postgres setup "version" "$(pg_sql postgres -c 'SHOW server_version' | cut -d' ' -f1)" ""
            ;;
        sqlite)
            # Set on every connection by the store (crates/store-sqlite/src/lib.rs): read there.
            printf '\n=== SQLite durability (set by crates/store-sqlite/src/lib.rs) ===\n'
            grep -oE 'SqliteJournalMode::[A-Za-z]+|SqliteSynchronous::[A-Za-z]+' \
                crates/store-sqlite/src/lib.rs | sed 's/^Sqlite//' | tee "$OUT_DIR/sqlite-settings.txt"
            figure sqlite setup "synchronous" \
                "$(sed -n 's/^Synchronous:://p' "$OUT_DIR/sqlite-settings.txt" | tr '[:lower:]' '[:upper:]' | head -n 1)" ""
            ;;
        *) die "unknown database '$db' (postgres or sqlite)" ;;
    esac
    if has_phase trace || has_phase raw || has_phase spread || has_phase hot || has_phase reads ||
        has_phase mixed || has_phase overload; then
        seed "$db"
    fi
    if [ "$db" = postgres ]; then
        if has_phase trace; then phase_trace "$db"; fi
        if has_phase raw; then phase_raw "$db"; fi
    fi
    if has_phase spread; then phase_booking "$db" spread; fi
    if has_phase hot; then phase_booking "$db" hot; fi
    if has_phase reads; then phase_reads "$db"; fi
    if has_phase mixed; then phase_mixed "$db"; fi
    if has_phase overload; then phase_overload "$db"; fi
    if has_phase 60k; then phase_60k "$db"; fi
done

{
    printf '\n'
    cat "$OUT_DIR/setup.txt"
    printf '\n'
    {
        printf 'database\tphase\tfigure\tvalue\tunit\tlimit\tlimit value\tratio\n'
        cat "$FIGURES"
    } | column -t -s $'\t'
} | tee "$OUT_DIR/summary.txt"

jq -Rn --rawfile setup "$OUT_DIR/setup.txt" '
    { setup: ($setup | split("\n") | map(select(length > 0) | capture("^(?<k>[a-z]+) (?<v>.*)$")) | map({ (.k): .v }) | add),
      figures: [inputs | split("\t") | {
          database: .[0], phase: .[1], figure: .[2],
          value: (.[3] | tonumber? // .),
          unit: .[4], limit: .[5], limit_value: (.[6] | tonumber? // null),
          ratio: (.[7] | tonumber? // null) }] }' <"$FIGURES" >"$OUT_DIR/bench.json"
log "summary in $OUT_DIR/summary.txt, JSON in $OUT_DIR/bench.json"
[ "$FAILED" -eq 0 ] || die "at least one check failed (FAIL above)"
