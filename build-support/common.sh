# Shared by ./pants and build-support/*.sh: where the project's per-user cache lives and what
# is pinned. Sourced, not run.

RESTATE_PANTS_CACHE_DIR="${RESTATE_PANTS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/restate-pants}"
PANTS_VERSION="2.17.1"
PEX_VERSION="2.1.137"
RESTATE_SERVER_VERSION="1.7.12"

die() {
  echo "error: $*" >&2
  exit 1
}

# Finds an interpreter by version, also when pyenv only offers it as a non-global version
# (its shim then exists but refuses to run).
find_python() {
  local version="$1" candidate
  for candidate in "python${version}" \
    "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"${version}".*/bin/"python${version}" \
    "/usr/bin/python${version}" "/usr/local/bin/python${version}"; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys' >/dev/null 2>&1; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

restate_server_default_bin() {
  echo "${RESTATE_PANTS_CACHE_DIR}/restate-server-${RESTATE_SERVER_VERSION}/node_modules/@restatedev/restate-server-linux-x64/bin/restate-server"
}

# The system's CA bundle: what trusts the network on machines whose TLS goes through a proxy
# with its own CA. PANTS_CA_CERTS_PATH (Pants' own name for the option) wins.
find_ca_bundle() {
  local candidate
  for candidate in "${PANTS_CA_CERTS_PATH:-}" "${SSL_CERT_FILE:-}" \
    /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt \
    /etc/ssl/ca-bundle.pem /etc/ssl/cert.pem; do
    if [[ -n "$candidate" && -f "$candidate" ]]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
