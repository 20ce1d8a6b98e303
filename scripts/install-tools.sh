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
  # The SCIM conformance suite (the integration tests run it against the server): Python 3.11 or
  # later, from pyenv when the system's is older.
  SCIM_CLI=0.6.0 SCIM_TESTER=0.5.2
  installed=$(tools/scim-venv/bin/pip show scim2-tester 2>/dev/null | sed -n 's/^Version: //p' || true)
  if [ "$installed" != "$SCIM_TESTER" ]; then
    say "installing scim2-tester $SCIM_TESTER (the SCIM conformance suite)"
    python=python3
    if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      python=$(ls -d "$HOME"/.pyenv/versions/3.1[1-9]*/bin/python3 2>/dev/null | tail -1)
    fi
    rm -rf tools/scim-venv
    if ! "$python" -m venv tools/scim-venv; then
      rm -rf tools/scim-venv
      apt_install python3-venv
      "$python" -m venv tools/scim-venv
    fi
    tools/scim-venv/bin/pip install --quiet --disable-pip-version-check \
      "scim2-tester==$SCIM_TESTER" "scim2-cli==$SCIM_CLI"
  fi
  # A real OpenID provider for the single sign-on tests: Python 3.12 or later, from pyenv when
  # the system's is older.
  OIDC_PROVIDER=0.4.8
  installed=$(tools/oidc-venv/bin/pip show oidc-provider-mock 2>/dev/null | sed -n 's/^Version: //p' || true)
  if [ "$installed" != "$OIDC_PROVIDER" ]; then
    say "installing oidc-provider-mock $OIDC_PROVIDER (an OpenID provider for the tests)"
    python=python3
    if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      python=$(ls -d "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | tail -1)
    fi
    rm -rf tools/oidc-venv
    if ! "$python" -m venv tools/oidc-venv; then
      rm -rf tools/oidc-venv
      apt_install python3-venv
      "$python" -m venv tools/oidc-venv
    fi
    tools/oidc-venv/bin/pip install --quiet --disable-pip-version-check \
      "oidc-provider-mock==$OIDC_PROVIDER"
  fi
fi
