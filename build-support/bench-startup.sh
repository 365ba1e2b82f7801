#!/usr/bin/env bash
# Start-up of the packaged sample server, launch to registered and serving, external and
# embedded Restate (tests/python/perf/startup.py).
#
#   build-support/bench-startup.sh [--runs N]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./pants package src/python/app:server
./pants run tests/python/perf:startup -- --pex "$PWD/dist/src.python.app/server.pex" "$@"
