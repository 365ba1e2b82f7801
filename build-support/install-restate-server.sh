#!/usr/bin/env bash
# Installs the pinned Restate server from the npm registry into the project's cache and prints
# the binary's path. Idempotent; installs into a temporary directory and renames it into place,
# so an interrupted install never leaves a half-built copy behind.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=build-support/common.sh
source "$here/common.sh"

bin="$(restate_server_default_bin)"
if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi
command -v npm >/dev/null 2>&1 || die "npm is needed to install the Restate server: install Node.js and npm (e.g. 'apt-get install nodejs npm'), or set RESTATE_SERVER_BIN to a restate-server binary."
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) die "no packaged restate-server for $(uname -s)-$(uname -m) here: set RESTATE_SERVER_BIN to a restate-server ${RESTATE_SERVER_VERSION} binary." ;;
esac

dest="${RESTATE_PANTS_CACHE_DIR}/restate-server-${RESTATE_SERVER_VERSION}"
mkdir -p "$RESTATE_PANTS_CACHE_DIR"
tmp="$(mktemp -d "${dest}.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
echo "Installing restate-server ${RESTATE_SERVER_VERSION} from npm into ${dest} ..." >&2
(cd "$tmp" && echo '{"private": true}' > package.json &&
  npm install --no-save --no-audit --no-fund --loglevel=error \
    "@restatedev/restate-server@${RESTATE_SERVER_VERSION}" >&2) ||
  die "npm could not install @restatedev/restate-server@${RESTATE_SERVER_VERSION}."
[[ -x "$tmp/node_modules/@restatedev/restate-server-linux-x64/bin/restate-server" ]] ||
  die "npm installed @restatedev/restate-server but not its linux-x64 binary."
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "$bin"
