# What scripts/bench.sh and scripts/crash-test.sh share (sourced, not run): starting
# `sesshu demo` until it answers, and the invariants every rush must leave in the database.
# The caller defines `die`, and `sql DB NAME QUERY` (one answer, unaligned).

# demo_start LOG ARGS…: `sesshu demo` ($SESSHU) on $PORT and $OFFICE_PORT in the background,
# its output to LOG, until $BASE_URL/healthz answers; sets SERVER_PID. The server refuses unknown
# SESSHU_* settings: the test environment's are kept away from it. sesshu-load is one address
# standing for thousands of people: no per-address request limit (the per-session one stays).
demo_start() {
    local server_log="$1"
    shift
    if curl -fsS -o /dev/null "$BASE_URL/healthz" 2>/dev/null; then
        die "something already answers on $BASE_URL"
    fi
    env -u SESSHU_TEST_POSTGRES_URL SESSHU_REQUEST_LIMITS__PER_ADDRESS_PER_SECOND=0 \
        "$SESSHU" demo --port "$PORT" --office-port "$OFFICE_PORT" "$@" >>"$server_log" 2>&1 &
    SERVER_PID=$!
    local tries=0
    until [ "$(curl -fsS "$BASE_URL/healthz" 2>/dev/null || true)" = ok ]; do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            SERVER_PID=""
            tail -n 20 "$server_log" >&2 || true
            die "sesshu demo exited before answering /healthz (log $server_log)"
        fi
        tries=$((tries + 1))
        [ "$tries" -lt 4500 ] || die "sesshu demo not healthy after 900 s (log $server_log)"
        sleep 0.2
    done
}

# The invariants, each a count that must be 0.
INVARIANT_OVER="SELECT count(*) FROM slots WHERE booked > capacity OR booked < 0"
INVARIANT_BOOKED="SELECT count(*) FROM slots s LEFT JOIN (SELECT d.slot_id, count(*) AS n FROM series_doses d JOIN series se ON se.id = d.series_id WHERE se.state = 'booked' GROUP BY d.slot_id) a ON a.slot_id = s.id WHERE s.booked <> coalesce(a.n, 0)"
INVARIANT_ONE_SERIES="SELECT count(*) FROM (SELECT person_id FROM series WHERE state = 'booked' GROUP BY person_id HAVING count(*) > 1) x"

# missing_acknowledged DB NAME NUMBERS_FILE: how many of the reservation numbers in the file
# (one a line, as the 201 answers gave them) are not an active series; "unreadable numbers"
# if a line is not one.
missing_acknowledged() {
    local db="$1" name="$2" file="$3" values
    if [ "$(grep -c . "$file" || true)" -eq 0 ]; then
        printf '0\n'
        return
    fi
    if [ "$(grep -cvE '^[A-Z0-9-]+$' "$file" || true)" -ne 0 ]; then
        printf 'unreadable numbers\n'
        return
    fi
    # Stored without the hyphen (KX7M-4QP9 is KX7M4QP9).
    values="$(tr -d '-' <"$file" | sed "s/.*/('&')/" | paste -sd, -)"
    sql "$db" "$name" "WITH a(number) AS (VALUES $values) SELECT count(*) FROM a LEFT JOIN series se ON se.number = a.number AND se.state = 'booked' WHERE se.id IS NULL"
}
