#!/usr/bin/env bash
# The whole Sesshu test suite, from a fresh machine: installs what the tests need, starts
# a private PostgreSQL and a private OpenLDAP slapd on loopback (stopped again on exit,
# whatever happens), then runs rustfmt, clippy, cargo test, the dependency audit (cargo audit,
# offline) and the vulnerability scan (scripts/security-scan.sh). Extra arguments go to
# `cargo test` after --workspace, e.g. `scripts/test.sh -p sesshu-core` or
# `scripts/test.sh -- --nocapture`.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd -P)"
TEST_ENV=("bash" "$SCRIPT_DIR/test-env.sh")
cd "$REPO_ROOT"

step() { printf '\n==> %s\n' "$*"; }

step "test-env install"
"${TEST_ENV[@]}" install

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    step "test-env down"
    "${TEST_ENV[@]}" down || true
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "test-env up"
"${TEST_ENV[@]}" up
# shellcheck source=/dev/null
. "$REPO_ROOT/.test-env/env"
export SESSHU_TEST_POSTGRES_URL
export SESSHU_TEST_LDAP_URL SESSHU_TEST_LDAPS_URL SESSHU_TEST_LDAP_CA SESSHU_TEST_LDAP_BASE
export SESSHU_TEST_LDAP_ADMIN_DN SESSHU_TEST_LDAP_ADMIN_PASSWORD_FILE
export SESSHU_E2E_DIR="$REPO_ROOT/e2e"
export SESSHU_TEST_ARTIFACTS="$REPO_ROOT/target/test-artifacts"
export CHROMIUM=/usr/bin/chromium
mkdir -p "$SESSHU_TEST_ARTIFACTS"

failed=()

step "cargo fmt --all -- --check"
cargo fmt --all -- --check || failed+=("cargo fmt")

# Both builds: the default one (what `cargo run -- demo` builds on any
# machine) and the one with every feature (SAML), which the tests run.
step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings || failed+=("cargo clippy")

step "cargo clippy --workspace --all-targets --all-features -- -D warnings"
cargo clippy --workspace --all-targets --all-features -- -D warnings || failed+=("cargo clippy --all-features")

step "cargo test --workspace --all-features $*"
cargo test --workspace --all-features "$@" || failed+=("cargo test")

# kill -9 in the middle of a rush, three times on each database: nothing acknowledged lost,
# the invariants hold, a replay with its Idempotency-Key gets its first answer (the long form,
# 20 cycles, is `scripts/crash-test.sh`; docs/deploy.md).
step "scripts/crash-test.sh (CYCLES=3)"
CYCLES=3 bash "$SCRIPT_DIR/crash-test.sh" || failed+=("crash test")

# The RustSec advisories, offline: a copy of the database lies beside the checkout
# (SESSHU_ADVISORY_DB, relative to the repository or absolute). A vulnerable dependency fails;
# an advisory that does not apply is ignored only with its reason in docs/security.md.
# Without the setting: beside the checkout, else the machine's shared copy (a clean clone
# for CI may sit elsewhere than the working checkout).
if [ -z "${SESSHU_ADVISORY_DB:-}" ]; then
    for candidate in ../shared/advisory-db /work/shared/advisory-db; do
        if [ -d "$candidate" ]; then
            SESSHU_ADVISORY_DB="$candidate"
            break
        fi
    done
fi
ADVISORY_DB="${SESSHU_ADVISORY_DB:-../shared/advisory-db}"
step "cargo audit --db $ADVISORY_DB --no-fetch"
if [ -d "$ADVISORY_DB" ]; then
    cargo audit --db "$ADVISORY_DB" --no-fetch || failed+=("cargo audit")
else
    echo "test.sh: no advisory database at $ADVISORY_DB (set SESSHU_ADVISORY_DB)" >&2
    failed+=("cargo audit (no database)")
fi

# The scanners against the demo, built with every feature as the tests built it (a no-op
# after cargo test): docs/security.md.
step "scripts/security-scan.sh"
if cargo build -p sesshu --all-features; then
    SESSHU_BIN="$REPO_ROOT/target/debug/sesshu" bash "$SCRIPT_DIR/security-scan.sh" \
        || failed+=("security scan")
else
    failed+=("security scan (build)")
fi

if [ "${#failed[@]}" -ne 0 ]; then
    printf '\ntest.sh: FAILED steps: %s\n' "$(IFS=,; echo "${failed[*]}")" >&2
    exit 1
fi
printf '\ntest.sh: all steps succeeded\n'
