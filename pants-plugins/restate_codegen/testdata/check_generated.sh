#!/usr/bin/env bash
# Proves the golden generated code (testdata/golden) for real: mypy --strict, mypy rejecting
# wrongly typed client calls, no handler import from the clients, and every handler kind called
# through the generated clients against a real restate-server (see check_generated.py).
#
#   SDK_PYTHON=/path/to/python3.11 RESTATE_SERVER_BIN=/path/to/restate-server \
#     pants-plugins/restate_codegen/testdata/check_generated.sh
#
# SDK_PYTHON needs restate-sdk 1.3.0, pydantic, msgspec, httpx, hypercorn and mypy.
# RESTATE_SERVER_BIN defaults to what build-support/install-restate-server.sh installs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
python="${SDK_PYTHON:-/tmp/scratch/sdkvenv/bin/python}"
if [[ -z "${RESTATE_SERVER_BIN:-}" ]]; then
  RESTATE_SERVER_BIN="$(bash "$root/build-support/install-restate-server.sh")"
fi
export RESTATE_SERVER_BIN
exec "$python" "$here/check_generated.py"
