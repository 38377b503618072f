#!/usr/bin/env bash
# Test environment for Sesshu: installs what the tests need and runs a private
# PostgreSQL 15 cluster on loopback. Every subcommand is idempotent.
#
#   scripts/test-env.sh install   Debian packages, e2e/node_modules, Python venv (only what is missing)
#   scripts/test-env.sh up        start the private PostgreSQL cluster, write .test-env/env
#   scripts/test-env.sh down      stop it (by the PID in its postmaster.pid)
#   scripts/test-env.sh status    say what is installed and running
#
# Environment: SESSHU_TEST_PG_PORT (default 55432), SESSHU_PG_BIN (PostgreSQL bin dir,
# default /usr/lib/postgresql/15/bin), PYTHON (default python3).
set -euo pipefail

# Debian packages the tests need. Add more here (e.g. slapd ldap-utils libclang-dev xmlsec1).
APT_PACKAGES=(chromium fonts-ipafont-gothic)

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

cmd_install() {
    install_apt
    install_npm
    install_venv
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

# True if $1 is a live (not zombie) process named postgres. A killed postmaster can stay
# a zombie for a while here (PID 1 reaps late), and kill -0 succeeds on zombies.
is_postgres_alive() {
    local pid="$1" stat
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = postgres ] || return 1
    stat="${stat##*) }"
    [ "${stat%% *}" != Z ] && [ "${stat%% *}" != X ]
}

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

write_env_file() {
    local url="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
    printf 'export SESSHU_TEST_POSTGRES_URL=%s\n' "$url" > "$ENV_DIR/env"
    cat "$ENV_DIR/env"
}

cmd_up() {
    local bin pid sockdir
    bin="$(pg_bin_dir)"
    [[ "$PG_PORT" =~ ^[0-9]+$ ]] || die "SESSHU_TEST_PG_PORT must be a number, got '$PG_PORT'"

    pid="$(running_pid)"
    if [ -n "$pid" ]; then
        if [ "$(running_port)" = "$PG_PORT" ]; then
            log "PostgreSQL already running (pid $pid, port $PG_PORT)"
            wait_ready "$bin"
            write_env_file
            return 0
        fi
        log "PostgreSQL running on port $(running_port), restarting on port $PG_PORT"
        cmd_down
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
    write_env_file
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

cmd_down() {
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
    sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

case "${1:-}" in
    install) cmd_install ;;
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    *) usage ;;
esac
