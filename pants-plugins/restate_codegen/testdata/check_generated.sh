#!/usr/bin/env bash
# Developer tool, not part of `./pants test`: runs outside Pants on an interpreter you provide.
# The real-server round trips of every type kind through the generated clients are covered
# under Pants by tests/python/e2e (types_test.py, kinds_test.py); this script is what still
# checks the golden files themselves (testdata/golden).
#
# Proves the golden generated code (testdata/golden) for real: mypy --strict, mypy rejecting
# wrongly typed client calls, no handler import from the clients, and every handler kind called
# through the generated clients against a real restate-server (see check_generated.py).
#
#   SDK_PYTHON=/path/to/python3.11 RESTATE_SERVER_BIN=/path/to/restate-server \
#     pants-plugins/restate_codegen/testdata/check_generated.sh
#
# SDK_PYTHON is required: a Python 3.11 with restate-sdk 1.3.0, pydantic, msgspec, httpx,
# hypercorn and mypy installed.
# RESTATE_SERVER_BIN defaults to what build-support/install-restate-server.sh installs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
if [[ -z "${SDK_PYTHON:-}" ]]; then
  echo "check_generated.sh: set SDK_PYTHON to a Python 3.11 with restate-sdk 1.3.0, pydantic, msgspec, httpx, hypercorn and mypy" >&2
  exit 2
fi
python="$SDK_PYTHON"
if [[ -z "${RESTATE_SERVER_BIN:-}" ]]; then
  RESTATE_SERVER_BIN="$(bash "$root/build-support/install-restate-server.sh")"
fi
export RESTATE_SERVER_BIN
exec "$python" "$here/check_generated.py"
