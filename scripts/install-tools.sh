#!/usr/bin/env bash
# Installs what building and testing Tenantry needs, skipping whatever is already there at the
# right version, so a second run installs nothing.
#   scripts/install-tools.sh            build tools (WASM target, cargo-leptos, wasm-bindgen, wasm-opt)
#   scripts/install-tools.sh --test     also Chromium, the Playwright packages, the SCIM
#                                       conformance suite (scim2-tester, in tools/scim-venv) and a
#                                       real OpenID provider (oidc-provider-mock, in tools/oidc-venv)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
want_test=false
[ "${1:-}" = "--test" ] && want_test=true

say() { echo "==> $*" >&2; }

apt_updated=false
apt_install() {
  if ! $apt_updated; then
    apt-get update -qq
    apt_updated=true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# python_tool VENV MINOR PACKAGE VERSION WHAT [MORE_SPECS...]: PACKAGE==VERSION (and MORE_SPECS)
# in the virtual environment VENV, made with Python 3.MINOR or later (the system's, or pyenv's
# when the system's is older), unless that version is there already.
python_tool() {
  local venv=$1 minor=$2 package=$3 version=$4 what=$5
  shift 5
  local installed
  installed=$("$venv/bin/pip" show "$package" 2>/dev/null | sed -n 's/^Version: //p' || true)
  [ "$installed" = "$version" ] && return
  say "installing $package $version ($what)"
  local python=python3
  if ! python3 -c "import sys; sys.exit(sys.version_info < (3, $minor))" 2>/dev/null; then
    # MINOR is 10 to 19: 3.1x versions from its second digit up.
    python=$(ls -d "$HOME"/.pyenv/versions/3.1["${minor#1}"-9]*/bin/python3 2>/dev/null | tail -1)
  fi
  rm -rf "$venv"
  if ! "$python" -m venv "$venv"; then
    rm -rf "$venv"
    apt_install python3-venv
    "$python" -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$package==$version" "$@"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

LEPTOS_VERSION=0.3.10
if ! cargo leptos --version 2>/dev/null | grep -q "$LEPTOS_VERSION"; then
  say "installing cargo-leptos $LEPTOS_VERSION (about 15 minutes, once)"
  cargo install cargo-leptos --version "$LEPTOS_VERSION" --locked --features no_downloads
fi

# The CLI must equal the wasm-bindgen crate version in Cargo.lock.
bindgen=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q "$bindgen"; then
  say "installing wasm-bindgen-cli $bindgen"
  cargo install wasm-bindgen-cli --version "$bindgen"
fi

# Debian's binaryen breaks hydration; binaryen 123 from npm works.
if ! tools/node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "version 123"; then
  say "installing binaryen 123 (wasm-opt)"
  mkdir -p tools
  (cd tools && npm install --no-audit --no-fund --silent binaryen@123 >/dev/null)
fi

if $want_test; then
  if ! [ -x /usr/bin/chromium ]; then
    say "installing Chromium"
    apt_install chromium
  fi
  if ! [ -d end2end/node_modules/@playwright/test ] || ! [ -d end2end/node_modules/@axe-core/playwright ]; then
    say "installing the Playwright packages"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
  fi
  # The SCIM conformance suite (the integration tests run it against the server): Python 3.11
  # or later.
  python_tool tools/scim-venv 11 scim2-tester 0.5.2 "the SCIM conformance suite" "scim2-cli==0.6.0"
  # A real OpenID provider for the single sign-on tests: Python 3.12 or later.
  python_tool tools/oidc-venv 12 oidc-provider-mock 0.4.8 "an OpenID provider for the tests"
fi
