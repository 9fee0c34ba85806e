#!/usr/bin/env bash
# Installs the headless VS Code test host: Debian's Chromium and ripgrep, and code-server 4.99.4
# (= VS Code 1.99.3, the last line that runs on Node 20) into .vscode-test/code-server.
# Idempotent: every step is skipped when its result is already present. Needs root for apt.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
code_server_version="4.99.4"
prefix="${ZIPHER_CODE_SERVER_DIR:-$repo_root/.vscode-test/code-server}"
code_server_bin="$prefix/node_modules/code-server/out/node/entry.js"

log() { printf '[install-test-host] %s\n' "$*"; }

if [[ -x /usr/bin/chromium ]] && command -v rg >/dev/null 2>&1; then
  log "chromium and ripgrep already present"
else
  if [[ "$(id -u)" != "0" ]]; then
    log "need root to apt-get install chromium ripgrep libkrb5-dev (or install them yourself)" >&2
    exit 1
  fi
  log "apt-get install libkrb5-dev ripgrep chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends libkrb5-dev ripgrep chromium >/dev/null
fi

# code-server's native build needs the kerberos headers even when chromium/rg were preinstalled.
if [[ ! -f /usr/include/gssapi/gssapi.h && ! -f /usr/include/krb5.h ]] && [[ "$(id -u)" == "0" ]]; then
  log "apt-get install libkrb5-dev"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends libkrb5-dev >/dev/null
fi

if [[ -f "$code_server_bin" ]] && grep -q "\"version\": \"$code_server_version\"" "$prefix/node_modules/code-server/package.json" 2>/dev/null; then
  log "code-server $code_server_version already installed in $prefix"
  exit 0
fi

# @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache already holds the
# archive; GitHub is unreachable here, so seed the cache with Debian's rg.
cache="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-1.15.11"
archive="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [[ ! -f "$archive" ]]; then
  log "seeding the ripgrep download cache from $(command -v rg)"
  mkdir -p "$cache"
  staging="$(mktemp -d)"
  cp "$(command -v rg)" "$staging/rg"
  tar czf "$archive" -C "$staging" rg
  rm -rf "$staging"
fi

log "npm install code-server@$code_server_version into $prefix (about a minute)"
mkdir -p "$prefix"
# npm_config_yes lets node-pty's postinstall run npx without a prompt.
npm_config_yes=true npm install --prefix "$prefix" --unsafe-perm --no-audit --no-fund \
  --loglevel=error "code-server@$code_server_version"

if [[ ! -f "$code_server_bin" ]]; then
  log "code-server install finished but $code_server_bin is missing" >&2
  exit 1
fi
log "code-server $code_server_version installed"
