#!/usr/bin/env bash
# Checks the private slapd of scripts/test-env.sh by hand, with the OpenLDAP command-line
# tools: run `scripts/test-env.sh up` first. Adds uid=hanako under ou=people, sets its
# password with the Password Modify extended operation, checks binds (StartTLS, ldaps,
# wrong and empty passwords), the stored {SSHA} hash, ACLs and a language-tagged cn,
# then deletes the entry again (also on failure). Prints "N passed, N failed".
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd -P)"
ENV_FILE="$REPO_ROOT/.test-env/env"
[ -f "$ENV_FILE" ] || { echo "no $ENV_FILE: run scripts/test-env.sh up" >&2; exit 1; }
# shellcheck source=/dev/null
. "$ENV_FILE"

# Our CA only, certificate checked, no system /etc/ldap/ldap.conf.
export LDAPCONF=/dev/null LDAPTLS_CACERT="$SESSHU_TEST_LDAP_CA" LDAPTLS_REQCERT=demand

URL="$SESSHU_TEST_LDAP_URL"
URLS="$SESSHU_TEST_LDAPS_URL"
BASE="$SESSHU_TEST_LDAP_BASE"
ADMIN=(-D "$SESSHU_TEST_LDAP_ADMIN_DN" -y "$SESSHU_TEST_LDAP_ADMIN_PASSWORD_FILE")
USER_DN="uid=hanako,ou=people,$BASE"
USER_PW="secret"

passed=0
failed=0
ok() { passed=$((passed + 1)); printf 'ok   %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$1"; }

# expect RC DESCRIPTION COMMAND...: the command must exit with RC.
expect() {
    local want="$1" what="$2" rc=0
    shift 2
    "$@" >/dev/null 2>&1 || rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$what (exit $rc)"; else fail "$what: exit $rc, expected $want"; fi
}

# contains TEXT DESCRIPTION COMMAND...: the command must succeed and print TEXT.
contains() {
    local text="$1" what="$2" out rc=0
    shift 2
    out="$("$@" 2>&1)" || rc=$?
    if [ "$rc" -eq 0 ] && grep -qF -- "$text" <<<"$out"; then
        ok "$what"
    else
        fail "$what (exit $rc): $out"
    fi
}

# lacks TEXT DESCRIPTION COMMAND...: the command must succeed and not print TEXT.
lacks() {
    local text="$1" what="$2" out rc=0
    shift 2
    out="$("$@" 2>&1)" || rc=$?
    if [ "$rc" -eq 0 ] && ! grep -qiF -- "$text" <<<"$out"; then
        ok "$what"
    else
        fail "$what (exit $rc): $out"
    fi
}

cleanup() {
    ldapdelete -x -ZZ -H "$URL" "${ADMIN[@]}" "$USER_DN" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup

expect 0 "admin adds $USER_DN over StartTLS" ldapadd -x -ZZ -H "$URL" "${ADMIN[@]}" -f /dev/stdin <<EOF
dn: $USER_DN
objectClass: inetOrgPerson
uid: hanako
cn: Hanako Aoba
cn;lang-ja: 青葉 花子
sn: Aoba
givenName: Hanako
mail: hanako@example.test
employeeType: student
ou: eng
EOF
expect 0 "admin sets the password (Password Modify exop)" \
    ldappasswd -x -ZZ -H "$URL" "${ADMIN[@]}" -s "$USER_PW" "$USER_DN"

contains "dn:$USER_DN" "bind as the user over StartTLS" \
    ldapwhoami -x -ZZ -H "$URL" -D "$USER_DN" -w "$USER_PW"
contains "dn:$USER_DN" "bind as the user over ldaps" \
    ldapwhoami -x -H "$URLS" -D "$USER_DN" -w "$USER_PW"
expect 49 "wrong password over StartTLS: invalidCredentials" \
    ldapwhoami -x -ZZ -H "$URL" -D "$USER_DN" -w wrong
expect 49 "wrong password over ldaps: invalidCredentials" \
    ldapwhoami -x -H "$URLS" -D "$USER_DN" -w wrong
expect 53 "empty password: unwillingToPerform (unauthenticated bind)" \
    ldapwhoami -x -ZZ -H "$URL" -D "$USER_DN" -w ''
expect 49 "unknown user: invalidCredentials" \
    ldapwhoami -x -ZZ -H "$URL" -D "uid=nobody,ou=people,$BASE" -w "$USER_PW"

# userPassword comes back base64-encoded (it is binary-safe): decode it.
stored="$(ldapsearch -x -LLL -ZZ -H "$URL" "${ADMIN[@]}" -b "$USER_DN" -s base userPassword \
    | sed -n 's/^userPassword:: //p' | base64 -d 2>/dev/null || true)"
if [[ "$stored" == "{SSHA}"* ]]; then ok "stored userPassword is {SSHA} (read by the admin)"; else
    fail "stored userPassword is '${stored:0:8}...', expected {SSHA}"; fi

search_anon=(ldapsearch -x -LLL -o ldif-wrap=no -ZZ -H "$URL" -b "$BASE")
contains "dn: $USER_DN" "anonymous search finds the entry by uid" "${search_anon[@]}" '(uid=hanako)'
contains "6Z2S6JGJIOiKseWtkA==" "anonymous search returns cn;lang-ja (base64 of 青葉 花子)" \
    "${search_anon[@]}" '(mail=hanako@example.test)' 'cn;lang-ja'
contains "employeeType: student" "anonymous search returns employeeType" \
    "${search_anon[@]}" '(uid=hanako)' employeeType ou
lacks "userPassword" "anonymous search does not return userPassword" \
    "${search_anon[@]}" '(uid=hanako)' userPassword
expect 50 "the user cannot change its own mail: insufficientAccess" \
    ldapmodify -x -ZZ -H "$URL" -D "$USER_DN" -w "$USER_PW" -f /dev/stdin <<EOF
dn: $USER_DN
changetype: modify
replace: mail
mail: other@example.test
EOF
expect 0 "the user changes its own password (exop)" \
    ldappasswd -x -ZZ -H "$URL" -D "$USER_DN" -w "$USER_PW" -a "$USER_PW" -s "$USER_PW-2"
expect 0 "bind with the new password" ldapwhoami -x -ZZ -H "$URL" -D "$USER_DN" -w "$USER_PW-2"
expect 8 "anonymous write refused: strongerAuthRequired" \
    ldapmodify -x -ZZ -H "$URL" -f /dev/stdin <<EOF
dn: $USER_DN
changetype: modify
replace: ou
ou: other
EOF
expect 0 "admin deletes the entry" ldapdelete -x -ZZ -H "$URL" "${ADMIN[@]}" "$USER_DN"
expect 32 "the entry is gone: noSuchObject" \
    ldapsearch -x -LLL -ZZ -H "$URL" -b "$USER_DN" -s base

printf '%s passed, %s failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
