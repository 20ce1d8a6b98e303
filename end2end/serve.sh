#!/bin/sh
# Starts Tenantry for the browser tests on a fresh SQLite database; its output, with the first
# super-admin's one-time password, goes to test-results/server.log, its mail to test-results/mail.
set -eu
port="$1"
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# cargo-leptos writes the site under the workspace, the binary under CARGO_TARGET_DIR if set.
target="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$here/test-results"
data=$(mktemp -d)
export TENANTRY_DATABASE_URL="sqlite://$data/tenantry.db?mode=rwc"
export TENANTRY_LISTEN="127.0.0.1:$port"
export TENANTRY_BASE_URL="http://127.0.0.1:$port"
# Mail is written as .eml files the tests open, like a person opens their inbox.
export TENANTRY_MAIL="dir:$here/test-results/mail"
# Single sign-on: a key for client secrets, and the tests' provider at a plain http:// address.
export TENANTRY_SECRET_KEY="dGVuYW50cnktdGVzdC1rZXktMzItYnl0ZXMtbG9uZyE="
export TENANTRY_SSO_ALLOW_HTTP=true
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$root/target/site}"
exec "${TENANTRY_BIN:-$target/debug/tenantry}" serve > "$here/test-results/server.log" 2>&1
