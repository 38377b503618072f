#!/usr/bin/env bash
# Test environment for Sesshu: installs what the tests need and runs a private
# PostgreSQL 15 cluster and a private OpenLDAP slapd (with TLS) on loopback.
# Every subcommand is idempotent.
#
#   scripts/test-env.sh install   Debian packages, e2e/node_modules, Python venv, cargo-audit (only what is missing)
#   scripts/test-env.sh up        start PostgreSQL and slapd, write .test-env/env
#   scripts/test-env.sh down      stop both (by the PIDs in their pid files)
#   scripts/test-env.sh status    say what is installed and running
#
# Environment: SESSHU_TEST_PG_PORT (default 55432), SESSHU_PG_BIN (PostgreSQL bin dir,
# default /usr/lib/postgresql/15/bin), SESSHU_TEST_LDAP_PORT (ldap + StartTLS, default
# 38900), SESSHU_TEST_LDAPS_PORT (default 63600), SESSHU_TEST_LDAP_LOGLEVEL (slapd -d,
# default stats), PYTHON (default python3).
set -euo pipefail

# Debian packages the tests need. Add more here (e.g. libclang-dev xmlsec1).
APT_PACKAGES=(chromium fonts-ipafont-gothic slapd ldap-utils openssl
    libclang-dev libxmlsec1-dev libxml2-dev pkg-config xmlsec1)

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd -P)"
ENV_DIR="$REPO_ROOT/.test-env"
E2E_DIR="$REPO_ROOT/e2e"
VENV_DIR="$ENV_DIR/venv"
REQUIREMENTS="$SCRIPT_DIR/requirements-test.txt"

PG_PORT="${SESSHU_TEST_PG_PORT:-55432}"
PG_DIR="$ENV_DIR/pg"
PG_DATA="$PG_DIR/data"
PG_LOG="$PG_DIR/postgres.log"
PG_USER=postgres

LDAP_PORT="${SESSHU_TEST_LDAP_PORT:-38900}"
LDAPS_PORT="${SESSHU_TEST_LDAPS_PORT:-63600}"
LDAP_URL="ldap://127.0.0.1:$LDAP_PORT"
LDAPS_URL="ldaps://127.0.0.1:$LDAPS_PORT"
LDAP_SUFFIX="dc=sesshu,dc=test"
LDAP_ADMIN_DN="cn=admin,$LDAP_SUFFIX"
LDAP_DIR="$ENV_DIR/ldap"
LDAP_CONF="$LDAP_DIR/slapd.d"
LDAP_DATA="$LDAP_DIR/data"
LDAP_PIDFILE="$LDAP_DIR/slapd.pid"
LDAP_LOG="$LDAP_DIR/slapd.log"
LDAP_LOGLEVEL="${SESSHU_TEST_LDAP_LOGLEVEL:-stats}"
LDAP_TEMPLATES="$SCRIPT_DIR/ldap"
LDAP_SCHEMA_DIR=/etc/ldap/schema
LDAP_MODULE_DIR=/usr/lib/ldap
SLAPD=/usr/sbin/slapd

log() { printf 'test-env: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# ---------------------------------------------------------------- install

apt_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

install_apt() {
    local missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        apt_installed "$pkg" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        log "apt packages present: ${APT_PACKAGES[*]}"
        return 0
    fi
    local sudo=()
    if ! is_root; then
        command -v sudo >/dev/null 2>&1 || die "missing Debian packages (${missing[*]}) and not root"
        sudo=(sudo)
    fi
    log "installing Debian packages: ${missing[*]}"
    local start=$SECONDS
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}"
    log "apt install took $((SECONDS - start)) s"
}

install_npm() {
    local lock="$E2E_DIR/package-lock.json"
    [ -f "$lock" ] || die "missing $lock"
    # Stamp: a copy of the lock file that node_modules was installed from. Comparing
    # contents (not mtimes) catches every change, and a fresh checkout's new mtimes
    # do not force a reinstall.
    local stamp="$E2E_DIR/node_modules/.sesshu-installed-package-lock.json"
    if [ -f "$stamp" ] && cmp -s "$lock" "$stamp"; then
        log "e2e/node_modules up to date"
        return 0
    fi
    log "npm ci in e2e/"
    (cd "$E2E_DIR" && npm ci --no-audit --no-fund)
    cp "$lock" "$stamp"
}

install_venv() {
    [ -f "$REQUIREMENTS" ] || die "missing $REQUIREMENTS"
    local stamp="$VENV_DIR/.requirements-installed"
    # Stamp: a copy of the requirements the venv was built from (compared by content).
    if [ -x "$VENV_DIR/bin/python" ] && [ -f "$stamp" ] && cmp -s "$REQUIREMENTS" "$stamp"; then
        log "Python venv up to date ($VENV_DIR)"
        return 0
    fi
    local python="${PYTHON:-python3}"
    log "creating Python venv $VENV_DIR with $($python --version 2>&1)"
    mkdir -p "$ENV_DIR"
    rm -rf "$VENV_DIR"
    "$python" -m venv "$VENV_DIR"
    "$VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        -r "$REQUIREMENTS"
    cp "$REQUIREMENTS" "$stamp"
}

# Debian's slapd package sets up a system slapd (/etc/ldap/slapd.d, port 389) and may
# start it. The tests use only their own instance: keep the system one stopped and
# disabled (the sentinel file /etc/ldap/noslapd makes its init script refuse to start).
stop_system_slapd() {
    apt_installed slapd || return 0
    is_root || { log "not root: leaving the system slapd service as it is"; return 0; }
    if [ ! -e /etc/ldap/noslapd ] && [ -d /etc/ldap ]; then
        log "disabling the system slapd service (/etc/ldap/noslapd, update-rc.d)"
        printf '# Created by Sesshu scripts/test-env.sh: tests run their own slapd.\n' \
            > /etc/ldap/noslapd
    fi
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        systemctl disable --now slapd >/dev/null 2>&1 || true
    elif command -v update-rc.d >/dev/null 2>&1 && [ -e /etc/init.d/slapd ]; then
        update-rc.d slapd disable >/dev/null 2>&1 || true
    fi
    # A system slapd started by the package's postinst: stop it by its pid file.
    local pidfile=/var/run/slapd/slapd.pid pid i
    [ -f "$pidfile" ] || return 0
    pid="$(head -n 1 "$pidfile" 2>/dev/null || true)"
    is_alive "$pid" slapd || return 0
    log "stopping the system slapd (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 40); do
        is_alive "$pid" slapd || return 0
        sleep 0.25
    done
    kill -KILL "$pid" 2>/dev/null || true
}

# cargo-audit for scripts/test.sh's dependency audit: built from crates.io once (about 25
# minutes on 2 cores), then kept in ~/.cargo/bin.
CARGO_AUDIT_VERSION=0.22.2
install_cargo_audit() {
    if cargo audit --version >/dev/null 2>&1; then
        log "cargo-audit present ($(cargo audit --version 2>/dev/null))"
        return 0
    fi
    log "installing cargo-audit $CARGO_AUDIT_VERSION (cargo install --locked; takes a while)"
    local start=$SECONDS
    cargo install --locked cargo-audit --version "$CARGO_AUDIT_VERSION"
    log "cargo-audit install took $((SECONDS - start)) s"
}

cmd_install() {
    install_apt
    stop_system_slapd
    install_npm
    install_venv
    install_cargo_audit
}

# ---------------------------------------------------------------- PostgreSQL

pg_bin_dir() {
    if [ -n "${SESSHU_PG_BIN:-}" ]; then
        printf '%s\n' "$SESSHU_PG_BIN"
    elif [ -x /usr/lib/postgresql/15/bin/pg_ctl ]; then
        printf '%s\n' /usr/lib/postgresql/15/bin
    elif command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"
    else
        die "PostgreSQL server binaries not found (set SESSHU_PG_BIN)"
    fi
}

# Run a command as the postgres user when we are root (initdb/postgres refuse root),
# from / so that an untraversable working directory does not matter.
as_pg() {
    if is_root; then
        (cd / && runuser -u "$PG_USER" -- "$@")
    else
        (cd / && "$@")
    fi
}

# True if $1 is a live (not zombie) process named $2 (any name if $2 is empty). A killed
# server can stay a zombie for a while here (PID 1 reaps late), and kill -0 succeeds on
# zombies.
is_alive() {
    local pid="$1" name="${2:-}" stat
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
    if [ -n "$name" ]; then
        [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "$name" ] || return 1
    fi
    stat="${stat##*) }"
    [ "${stat%% *}" != Z ] && [ "${stat%% *}" != X ]
}

is_postgres_alive() { is_alive "$1" postgres; }

# Remove lock file $1 (postmaster.pid or a socket's .lock; first line is a PID) if the
# process it names is gone or a zombie. PostgreSQL itself treats a zombie as alive and
# refuses to start while such a lock file exists.
remove_if_stale() {
    local file="$1" pid
    [ -f "$file" ] || return 0
    pid="$(head -n 1 "$file" 2>/dev/null || true)"
    is_postgres_alive "$pid" && return 0
    log "removing stale $file (pid ${pid:-?} is not running)"
    rm -f "$file"
}

# The PID of the running postmaster of our cluster, or nothing. Removes a stale pid file.
running_pid() {
    local pidfile="$PG_DATA/postmaster.pid" pid
    remove_if_stale "$pidfile"
    [ -f "$pidfile" ] || return 0
    pid="$(head -n 1 "$pidfile" 2>/dev/null || true)"
    printf '%s\n' "$pid"
}

# The port recorded by the running postmaster (4th line of postmaster.pid).
running_port() { sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null || true; }

# Make $1 and its ancestors traversable by postgres, from / down (adds o+x only where
# the postgres user is refused, e.g. a checkout under a mode-700 directory).
ensure_traversable() {
    is_root || return 0
    local path="" part
    local -a parts
    IFS=/ read -r -a parts <<< "${1#/}"
    for part in "${parts[@]}"; do
        [ -n "$part" ] || continue
        path="$path/$part"
        if ! runuser -u "$PG_USER" -- test -x "$path"; then
            log "chmod o+x $path (so that $PG_USER can reach it)"
            chmod o+x "$path"
        fi
    done
}

# Unix socket directory: $PG_DIR unless its socket path would exceed the 107-byte limit.
socket_dir() {
    local sock="$PG_DIR/.s.PGSQL.$PG_PORT"
    if [ "${#sock}" -lt 100 ]; then
        printf '%s\n' "$PG_DIR"
    else
        printf '/tmp/sesshu-test-pg-%s\n' "$(id -u)"
    fi
}

pg_up() {
    local bin pid sockdir
    bin="$(pg_bin_dir)"
    [[ "$PG_PORT" =~ ^[0-9]+$ ]] || die "SESSHU_TEST_PG_PORT must be a number, got '$PG_PORT'"

    pid="$(running_pid)"
    if [ -n "$pid" ]; then
        if [ "$(running_port)" = "$PG_PORT" ]; then
            log "PostgreSQL already running (pid $pid, port $PG_PORT)"
            wait_ready "$bin"
            return 0
        fi
        log "PostgreSQL running on port $(running_port), restarting on port $PG_PORT"
        pg_down
    fi

    mkdir -p "$PG_DIR"
    chmod 755 "$ENV_DIR"
    sockdir="$(socket_dir)"
    mkdir -p "$sockdir"
    remove_if_stale "$sockdir/.s.PGSQL.$PG_PORT.lock"
    if is_root; then
        chown "$PG_USER:" "$PG_DIR" "$sockdir"
        ensure_traversable "$PG_DIR"
        ensure_traversable "$sockdir"
    fi

    if [ ! -s "$PG_DATA/PG_VERSION" ]; then
        log "initdb $PG_DATA"
        rm -rf "$PG_DATA"
        as_pg "$bin/initdb" -D "$PG_DATA" -A trust -U postgres -E UTF8 --locale=C >/dev/null
        printf "\ninclude_if_exists = 'sesshu-test.conf'\n" >> "$PG_DATA/postgresql.conf"
    fi

    # Rewritten on every start, so a changed port or socket directory takes effect.
    # (Settings given to pg_ctl -o would break on paths with spaces.)
    local conf="$PG_DATA/sesshu-test.conf"
    cat > "$conf" <<EOF
# Written by scripts/test-env.sh up: a throwaway cluster for tests, on loopback only.
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '${sockdir//\'/\'\'}'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    if is_root; then chown "$PG_USER:" "$conf"; fi

    log "starting PostgreSQL on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
    if ! as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null; then
        log "pg_ctl start failed; last lines of $PG_LOG:"
        tail -n 20 "$PG_LOG" >&2 || true
        exit 1
    fi
    wait_ready "$bin"
}

wait_ready() {
    local bin="$1" i
    for i in $(seq 1 60); do
        if "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres; then
            return 0
        fi
        [ "$i" -eq 1 ] && log "waiting for PostgreSQL to accept connections"
        sleep 0.5
    done
    die "PostgreSQL did not become ready on 127.0.0.1:$PG_PORT (see $PG_LOG)"
}

pg_down() {
    local pid bin i
    pid="$(running_pid)"
    if [ -z "$pid" ]; then
        log "PostgreSQL not running"
        return 0
    fi
    bin="$(pg_bin_dir)"
    log "stopping PostgreSQL (pid $pid)"
    if ! as_pg "$bin/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null; then
        log "pg_ctl stop failed; sending SIGTERM/SIGQUIT to $pid"
        kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 1 20); do
            is_postgres_alive "$pid" || break
            sleep 0.5
        done
        if is_postgres_alive "$pid"; then
            kill -QUIT "$pid" 2>/dev/null || true
            sleep 1
        fi
        if is_postgres_alive "$pid"; then die "could not stop PostgreSQL (pid $pid)"; fi
        rm -f "$PG_DATA/postmaster.pid"
    fi
}

# ---------------------------------------------------------------- OpenLDAP (slapd)
#
# A private slapd with its own cn=config in $LDAP_DIR/slapd.d (never /etc/ldap/slapd.d),
# built once from scripts/ldap/*.ldif, a private CA and a server certificate for
# 127.0.0.1/localhost. It runs as the invoking user, in the foreground of its own
# session (-d), logging to $LDAP_LOG; stopped by the PID in its pid file.

# Run an LDAP client trusting our CA only, certificate checked, without the system
# /etc/ldap/ldap.conf.
ldap_client() {
    (cd "$LDAP_DIR" && LDAPCONF=/dev/null LDAPTLS_CACERT="$LDAP_DIR/ca.pem" \
        LDAPTLS_REQCERT=demand "$@")
}

ldap_listen_urls() {
    printf 'ldap://127.0.0.1:%s/ ldaps://127.0.0.1:%s/\n' "$LDAP_PORT" "$LDAPS_PORT"
}

# The PID of a live slapd started with -F $LDAP_CONF (found through /proc: for when its
# pid file is gone, e.g. .test-env/ldap was deleted under a running slapd), or nothing.
ldap_find_orphan() {
    local dir pid i
    local -a args
    for dir in /proc/[0-9]*; do
        pid="${dir#/proc/}"
        [ "$(cat "$dir/comm" 2>/dev/null || true)" = slapd ] || continue
        mapfile -d "" -t args 2>/dev/null < "$dir/cmdline" || continue
        for ((i = 0; i + 1 < ${#args[@]}; i++)); do
            if [ "${args[i]}" = -F ] && [ "${args[i + 1]}" = "$LDAP_CONF" ] \
                && is_alive "$pid" slapd; then
                printf '%s\n' "$pid"
                return 0
            fi
        done
    done
}

# The PID of our running slapd, or nothing. Removes a stale pid file.
ldap_running_pid() {
    local pid
    if [ ! -f "$LDAP_PIDFILE" ]; then
        ldap_find_orphan
        return 0
    fi
    pid="$(head -n 1 "$LDAP_PIDFILE" 2>/dev/null || true)"
    if is_alive "$pid" slapd; then
        printf '%s\n' "$pid"
    else
        log "removing stale $LDAP_PIDFILE (pid ${pid:-?} is not running)"
        rm -f "$LDAP_PIDFILE"
        ldap_find_orphan
    fi
}

# The -h argument the running slapd was started with (written by ldap_start), followed
# by ", "; nothing if unknown.
ldap_running_urls() {
    local urls
    urls="$(cat "$LDAP_DIR/slapd.listen" 2>/dev/null)" || return 0
    [ -z "$urls" ] || printf '%s, ' "${urls% }"
}

# A private CA and a server certificate signed by it (kept while valid for another day).
ldap_make_certs() {
    local d="$LDAP_DIR"
    if [ -s "$d/ca.pem" ] && [ -s "$d/ca.key" ] && [ -s "$d/server.pem" ] && [ -s "$d/server.key" ] \
        && openssl verify -CAfile "$d/ca.pem" "$d/server.pem" >/dev/null 2>&1 \
        && openssl x509 -checkend 86400 -noout -in "$d/server.pem" >/dev/null 2>&1; then
        return 0
    fi
    log "creating a private CA and a server certificate for 127.0.0.1/localhost in $d"
    rm -f "$d/ca.pem" "$d/ca.key" "$d/server.pem" "$d/server.key" "$d/server.csr"
    (
        umask 077
        openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 3650 \
            -keyout "$d/ca.key" -out "$d/ca.pem" -subj "/O=Sesshu tests/CN=Sesshu test CA" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" \
            -addext "subjectKeyIdentifier=hash" 2>/dev/null
        openssl req -new -newkey rsa:2048 -nodes -sha256 \
            -keyout "$d/server.key" -out "$d/server.csr" \
            -subj "/O=Sesshu tests/CN=localhost" 2>/dev/null
        cat > "$d/server.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT
        openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
            -set_serial "0x$(openssl rand -hex 16)" -days 3650 -sha256 \
            -extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null
    )
    rm -f "$d/server.csr" "$d/server.ext"
    chmod 644 "$d/ca.pem" "$d/server.pem"
    openssl verify -CAfile "$d/ca.pem" "$d/server.pem" >/dev/null \
        || die "the new server certificate does not verify against $d/ca.pem"
}

# What the directory was built from: the templates and where it lives. A change of either
# (or a missing password file) rebuilds it.
ldap_build_stamp() {
    printf 'dir %s\nschema %s\nmodules %s\n' "$LDAP_DIR" "$LDAP_SCHEMA_DIR" "$LDAP_MODULE_DIR"
    cat "$LDAP_TEMPLATES/config.ldif.in" "$LDAP_TEMPLATES/base.ldif"
}

ldap_is_built() {
    [ -s "$LDAP_DIR/admin.password" ] && [ -f "$LDAP_CONF/cn=config.ldif" ] \
        && [ -f "$LDAP_DIR/.built" ] && cmp -s "$LDAP_DIR/.built" <(ldap_build_stamp)
}

# Build cn=config and the database from scratch, with a new admin password.
ldap_build() {
    local d="$LDAP_DIR" hash tpl
    log "building the directory $LDAP_SUFFIX in $d (slapadd)"
    [ -f "$LDAP_MODULE_DIR/back_mdb.so" ] || [ -f "$LDAP_MODULE_DIR/back_mdb.la" ] \
        || die "back_mdb not found in $LDAP_MODULE_DIR (run scripts/test-env.sh install)"
    [ -f "$LDAP_SCHEMA_DIR/inetorgperson.ldif" ] \
        || die "schemas not found in $LDAP_SCHEMA_DIR (run scripts/test-env.sh install)"
    rm -rf "$LDAP_CONF" "$LDAP_DATA" "$d/.built" "$d/config.ldif" "$d/admin.password"
    mkdir -p "$LDAP_CONF" "$LDAP_DATA"
    chmod 700 "$LDAP_CONF" "$LDAP_DATA"
    # The password file holds the password alone, no newline (ldap* -y reads it whole).
    (umask 077 && printf '%s' "$(openssl rand -hex 16)" > "$d/admin.password")
    hash="$(slappasswd -h '{SSHA}' -T "$d/admin.password")"
    [[ "$hash" == "{SSHA}"* ]] || die "slappasswd gave no {SSHA} hash"
    tpl="$(cat "$LDAP_TEMPLATES/config.ldif.in")"
    tpl="${tpl//@LDAP_DIR@/"$d"}"
    tpl="${tpl//@SCHEMA_DIR@/"$LDAP_SCHEMA_DIR"}"
    tpl="${tpl//@MODULE_DIR@/"$LDAP_MODULE_DIR"}"
    tpl="${tpl//@ROOTPW@/"$hash"}"
    (umask 077 && printf '%s\n' "$tpl" > "$d/config.ldif")
    if ! (cd / && slapadd -q -n 0 -F "$LDAP_CONF" -l "$d/config.ldif") >"$d/slapadd.log" 2>&1 \
        || ! (cd / && slapadd -q -n 1 -F "$LDAP_CONF" -l "$LDAP_TEMPLATES/base.ldif") \
            >>"$d/slapadd.log" 2>&1; then
        tail -n 20 "$d/slapadd.log" >&2 || true
        rm -rf "$LDAP_CONF" "$LDAP_DATA"
        die "slapadd failed (see $d/slapadd.log)"
    fi
    ldap_build_stamp > "$d/.built"
}

# The last lines that the latest slapd start wrote to its log.
ldap_log_tail() {
    awk '/^==== /{n = 0} {line[n++] = $0} END {for (i = (n > 20 ? n - 20 : 0); i < n; i++) print line[i]}' \
        "$LDAP_LOG" >&2 2>/dev/null || true
}

ldap_start() {
    local urls pid i
    urls="$(ldap_listen_urls)"
    [ -x "$SLAPD" ] || die "$SLAPD not found (run scripts/test-env.sh install)"
    log "starting slapd on ${urls% } (log: $LDAP_LOG)"
    rm -f "$LDAP_PIDFILE"
    printf '%s\n' "$urls" > "$LDAP_DIR/slapd.listen"
    # The log is appended to; keep one old generation once it passes 20 MB.
    if [ -f "$LDAP_LOG" ] && [ "$(stat -c %s "$LDAP_LOG")" -gt 20000000 ]; then
        mv -f "$LDAP_LOG" "$LDAP_LOG.1"
    fi
    printf '\n==== %s slapd -h %s\n' "$(date -u +%FT%TZ)" "$urls" >> "$LDAP_LOG"
    # -d keeps it in the foreground (and logs to stderr); setsid detaches it from our
    # session and terminal. The pid file is written by slapd itself.
    (cd / && exec setsid "$SLAPD" -d "$LDAP_LOGLEVEL" -h "$urls" -F "$LDAP_CONF" \
        </dev/null >>"$LDAP_LOG" 2>&1) &
    pid=$!
    for i in $(seq 1 80); do
        if ldap_client ldapsearch -x -LLL -o nettimeout=2 -H "ldap://127.0.0.1:$LDAP_PORT" \
            -b "$LDAP_SUFFIX" -s base dn >/dev/null 2>&1; then
            [ -s "$LDAP_PIDFILE" ] && return 0
        fi
        # $pid becomes slapd itself (the subshell execs setsid, which execs slapd as it is
        # no process group leader); until then it is named bash or setsid, so no name here.
        # Reaped only once dead: a wait on a live slapd would block for good.
        if ! is_alive "$pid"; then
            wait "$pid" 2>/dev/null || true
            log "slapd exited during start-up; last lines of $LDAP_LOG:"
            ldap_log_tail
            exit 1
        fi
        [ "$i" -eq 4 ] && log "waiting for slapd to answer on ldap://127.0.0.1:$LDAP_PORT"
        sleep 0.25
    done
    log "slapd did not answer within 20 s; last lines of $LDAP_LOG:"
    ldap_log_tail
    ldap_down || true
    exit 1
}

# Anonymous search over plain LDAP, anonymous whoami over StartTLS (-ZZ: TLS required),
# base search over ldaps, the last two checking the server certificate against our CA.
ldap_check() {
    local i out
    for i in $(seq 1 20); do
        ldap_client ldapsearch -x -LLL -o nettimeout=2 -H "$LDAP_URL" -b "$LDAP_SUFFIX" -s base dn \
            >/dev/null 2>&1 && break
        [ "$i" -eq 20 ] && die "slapd does not answer on $LDAP_URL (see $LDAP_LOG)"
        sleep 0.25
    done
    out="$(ldap_client ldapwhoami -x -ZZ -o nettimeout=5 -H "$LDAP_URL" 2>&1)" \
        || die "StartTLS to $LDAP_URL failed: $out"
    out="$(ldap_client ldapsearch -x -LLL -o nettimeout=5 -H "$LDAPS_URL" -b "$LDAP_SUFFIX" \
        -s base dn 2>&1)" || die "ldaps search on $LDAPS_URL failed: $out"
    log "slapd ready: $LDAP_URL (StartTLS ok), $LDAPS_URL (ok), base $LDAP_SUFFIX"
}

ldap_up() {
    local pid port
    for port in "$LDAP_PORT" "$LDAPS_PORT"; do
        [[ "$port" =~ ^[0-9]+$ ]] || die "SESSHU_TEST_LDAP_PORT/SESSHU_TEST_LDAPS_PORT must be numbers"
    done
    [ "$LDAP_PORT" != "$LDAPS_PORT" ] || die "SESSHU_TEST_LDAP_PORT and SESSHU_TEST_LDAPS_PORT are equal"
    # Readable folder (ca.pem is public); keys, password and slapd.d are private.
    mkdir -p "$LDAP_DIR"
    chmod 755 "$LDAP_DIR"

    pid="$(ldap_running_pid)"
    if [ -n "$pid" ]; then
        if [ "$(cat "$LDAP_DIR/slapd.listen" 2>/dev/null || true)" = "$(ldap_listen_urls)" ] \
            && ldap_is_built; then
            log "slapd already running (pid $pid, $(ldap_listen_urls))"
            ldap_check
            return 0
        fi
        log "slapd running with other ports or an outdated configuration: restarting"
        ldap_down
    fi
    ldap_make_certs
    ldap_is_built || ldap_build
    ldap_start
    ldap_check
}

ldap_down() {
    local pid i
    pid="$(ldap_running_pid)"
    if [ -z "$pid" ]; then
        log "slapd not running"
        return 0
    fi
    log "stopping slapd (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 40); do
        is_alive "$pid" slapd || break
        sleep 0.25
    done
    if is_alive "$pid" slapd; then
        log "slapd did not stop on SIGTERM within 10 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for i in $(seq 1 20); do
            is_alive "$pid" slapd || break
            sleep 0.25
        done
        if is_alive "$pid" slapd; then die "could not stop slapd (pid $pid)"; fi
    fi
    rm -f "$LDAP_PIDFILE"
}

ldap_status() {
    local pid
    pid="$(ldap_running_pid 2>/dev/null)"
    if [ -n "$pid" ]; then
        echo "slapd: running, pid $pid, $(ldap_running_urls || true)base $LDAP_SUFFIX, dir $LDAP_DIR"
    elif [ -f "$LDAP_CONF/cn=config.ldif" ]; then
        echo "slapd: stopped (directory built in $LDAP_DIR)"
    else
        echo "slapd: stopped (no directory yet)"
    fi
}

# ---------------------------------------------------------------- both

# Print NAME=VALUE for the env file, quoting VALUE only when the shell needs it.
env_line() {
    if [[ "$2" =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then
        printf 'export %s=%s\n' "$1" "$2"
    else
        printf 'export %s=%q\n' "$1" "$2"
    fi
}

write_env_file() {
    local tmp="$ENV_DIR/env.tmp.$$"
    {
        env_line SESSHU_TEST_POSTGRES_URL "postgres://postgres@127.0.0.1:$PG_PORT/postgres"
        env_line SESSHU_TEST_LDAP_URL "$LDAP_URL"
        env_line SESSHU_TEST_LDAPS_URL "$LDAPS_URL"
        env_line SESSHU_TEST_LDAP_CA "$LDAP_DIR/ca.pem"
        env_line SESSHU_TEST_LDAP_BASE "$LDAP_SUFFIX"
        env_line SESSHU_TEST_LDAP_ADMIN_DN "$LDAP_ADMIN_DN"
        env_line SESSHU_TEST_LDAP_ADMIN_PASSWORD_FILE "$LDAP_DIR/admin.password"
    } > "$tmp"
    mv -f "$tmp" "$ENV_DIR/env"
    cat "$ENV_DIR/env"
}

cmd_up() {
    pg_up
    ldap_up
    write_env_file
}

# Stops both; exits non-zero if either could not be stopped.
cmd_down() {
    local rc=0
    (ldap_down) || rc=1
    (pg_down) || rc=1
    return "$rc"
}

cmd_status() {
    local pid pkg
    pid="$(running_pid)"
    if [ -n "$pid" ]; then
        echo "postgres: running, pid $pid, 127.0.0.1:$(running_port), data $PG_DATA"
    elif [ -s "$PG_DATA/PG_VERSION" ]; then
        echo "postgres: stopped (cluster initialised in $PG_DATA)"
    else
        echo "postgres: stopped (no cluster yet)"
    fi
    ldap_status
    for pkg in "${APT_PACKAGES[@]}"; do
        if apt_installed "$pkg"; then echo "apt $pkg: installed"; else echo "apt $pkg: missing"; fi
    done
    if [ -f "$E2E_DIR/node_modules/.sesshu-installed-package-lock.json" ]; then
        echo "e2e/node_modules: present"
    else
        echo "e2e/node_modules: missing"
    fi
    if [ -f "$VENV_DIR/.requirements-installed" ]; then
        echo "venv: present ($VENV_DIR)"
    else
        echo "venv: missing"
    fi
    if [ -f "$ENV_DIR/env" ]; then echo "env file: $ENV_DIR/env"; fi
}

usage() {
    sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

case "${1:-}" in
    install) cmd_install ;;
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    *) usage ;;
esac
