#!/usr/bin/env bash
# Fuzzes the codegen with composed and mutated handler modules and prints the figures:
# modules analyzed, accepted, refused with diagnostics, and tracebacks (must be 0).
#
#   build-support/fuzz-codegen.sh                  # 10,000 composed + 10,000 mutated modules
#   build-support/fuzz-codegen.sh --examples 500 --seed 7
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec ./pants run pants-plugins/restate_codegen:fuzz -- "$@"
