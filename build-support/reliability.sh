#!/usr/bin/env bash
# Packages the sample server and the reliability drills, then runs the long drills against a
# real restate-server on loopback and prints their figures (README.md, "Reliability").
#
#   build-support/reliability.sh all                       # crash + soak + bad input
#   build-support/reliability.sh crash [--signups 500] [--kill-every 3] [--arrival 120]
#   build-support/reliability.sh soak [--seconds 300] [--rate 5]
#   build-support/reliability.sh bad-input [--random 100]
#   build-support/reliability.sh --workdir DIR crash ...   # keep logs and data in DIR
#
# Exit code 0 when every check held.
set -euo pipefail

buildroot="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=build-support/common.sh
source "$buildroot/build-support/common.sh"

cd "$buildroot"
./pants package src/python/app:server tests/python/reliability:drill >&2
python="$(find_python 3.11)" || die "needs Python 3.11 on PATH."
if [[ -z "${RESTATE_SERVER_BIN:-}" ]]; then
  RESTATE_SERVER_BIN="$(restate_server_default_bin)"
  [[ -x "$RESTATE_SERVER_BIN" ]] || RESTATE_SERVER_BIN="$("$buildroot/build-support/install-restate-server.sh")"
fi
export RESTATE_SERVER_BIN
export RELIABILITY_SERVER_PEX="$buildroot/dist/src.python.app/server.pex"
# Both PEXes unpack into the project's cache, not ~/.pex.
export PEX_ROOT="${RESTATE_PANTS_CACHE_DIR}/pex-root"
exec "$python" "$buildroot/dist/tests.python.reliability/drill.pex" "$@"
