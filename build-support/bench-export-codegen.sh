#!/usr/bin/env bash
# Times `pants export-codegen` cold and after editing one handler module, with pantsd, on a
# throwaway copy of the codegen sample (tests/python/pants_e2e/bench_export_codegen.py).
#
#   build-support/bench-export-codegen.sh [--edits N] [--targets N] [--keep]
#   (--targets 500: a generated repo of 500 restate_service targets and one deployment)
#
# Uses the Pants venv and pex tool that ./pants bootstraps (it runs ./pants once if they are
# missing). The project runs its own pantsd, stopped at the end; the repo's pantsd is untouched.
set -euo pipefail

buildroot="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=build-support/common.sh
source "$buildroot/build-support/common.sh"
export RESTATE_PANTS_CACHE_DIR

if ! compgen -G "${RESTATE_PANTS_CACHE_DIR}/pants-venv-${PANTS_VERSION}-*/.complete" >/dev/null ||
  ! compgen -G "${RESTATE_PANTS_CACHE_DIR}/pex-*/pex" >/dev/null; then
  "$buildroot/pants" --no-pantsd --version >/dev/null
fi

python="$(find_python 3.11)" || die "needs Python 3.11 on PATH."
cd "$buildroot"
PYTHONPATH="$buildroot/tests/python" exec "$python" -m pants_e2e.bench_export_codegen \
  --repo "$buildroot" "$@"
