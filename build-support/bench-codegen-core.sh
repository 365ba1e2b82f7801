#!/usr/bin/env bash
# Codegen core speed, before and after: runs `restate_codegen.bench` from a base git ref and from
# the work tree in alternating rounds (the machine is noisy: compare within a round), and prints
# each round's median analysis+render time per module and the ratio.
#
#   build-support/bench-codegen-core.sh [BASE_REF (default: origin/main or main)] [ROUNDS (8)]
#
# Uses the Pants venv's Python (./pants bootstraps it), where libcst and jinja2 are installed.
set -euo pipefail

buildroot="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=build-support/common.sh
source "$buildroot/build-support/common.sh"
base_ref="${1:-main}"
rounds="${2:-8}"

venv_python="$(compgen -G "${RESTATE_PANTS_CACHE_DIR}/pants-venv-${PANTS_VERSION}-*/bin/python" | head -1 || true)"
if [[ -z "$venv_python" ]]; then
  "$buildroot/pants" --no-pantsd --version >/dev/null
  venv_python="$(compgen -G "${RESTATE_PANTS_CACHE_DIR}/pants-venv-${PANTS_VERSION}-*/bin/python" | head -1)"
fi

base_dir="$(mktemp -d)"
trap 'rm -rf "$base_dir"' EXIT
git -C "$buildroot" archive "$base_ref" pants-plugins/restate_codegen | tar -x -C "$base_dir"

median_total() { # PYTHONPATH -> the "median" row's total column (ms per module)
  PYTHONPATH="$1" "$venv_python" -m restate_codegen.bench --modules 120 --repeats 3 |
    awk '$1 == "median" { print $4 }'
}

echo "codegen core, analysis + render per handler module (median ms), ${base_ref} vs work tree"
printf '%-8s%12s%12s%10s\n' round base head ratio
ratios=()
for round in $(seq 1 "$rounds"); do
  base="$(median_total "$base_dir/pants-plugins")"
  head="$(median_total "$buildroot/pants-plugins")"
  ratio="$(awk -v b="$base" -v h="$head" 'BEGIN { printf "%.2f", b / h }')"
  ratios+=("$ratio")
  printf '%-8s%12s%12s%10s\n' "$round" "$base" "$head" "${ratio}x"
done
printf '%s\n' "${ratios[@]}" | sort -n |
  awk '{ r[NR] = $1 } END { printf "median speed-up over %d rounds: %.2fx (range %.2f-%.2f)\n", NR, (NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2), r[1], r[NR] }'
