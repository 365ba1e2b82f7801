#!/usr/bin/env bash
# Codegen core speed, before and after: runs `restate_codegen.bench` from a base git ref and from
# the work tree in alternating rounds (the machine is noisy: compare within a round), and prints
# each round's median analysis+render time per module and the ratio.
#
#   build-support/bench-codegen-core.sh [BASE_REF (default: main)] [ROUNDS (8)] [--json PATH]
#
# --json PATH also writes each round's figures there (for tests/python/perf_plots, docs/perf/).
# --instructions also counts, with valgrind's callgrind, the instructions one analysis + render
# costs per module on each side: a count that does not depend on what else the machine is doing
# (slow: about two minutes under valgrind).
# Uses the Pants venv's Python (./pants bootstraps it), where libcst and jinja2 are installed.
set -euo pipefail

buildroot="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=build-support/common.sh
source "$buildroot/build-support/common.sh"
json_out=""
count_instructions=""
positional=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --json) json_out="${2:?--json needs a path}"; shift 2 ;;
    --instructions) count_instructions=1; shift ;;
    *) positional+=("$1"); shift ;;
  esac
done
base_ref="${positional[0]:-main}"
rounds="${positional[1]:-8}"

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
bases=()
heads=()
for round in $(seq 1 "$rounds"); do
  base="$(median_total "$base_dir/pants-plugins")"
  head="$(median_total "$buildroot/pants-plugins")"
  ratio="$(awk -v b="$base" -v h="$head" 'BEGIN { printf "%.2f", b / h }')"
  ratios+=("$ratio")
  bases+=("$base")
  heads+=("$head")
  printf '%-8s%12s%12s%10s\n' "$round" "$base" "$head" "${ratio}x"
done
# Instructions for `modules` analyses + renders after a warm-up one, minus the warm-up alone: what
# the modules cost, without interpreter start-up and imports.
instructions_for() { # PYTHONPATH MODULES -> total instructions (callgrind's Ir)
  local out
  out="$(mktemp)"
  PYTHONPATH="$1" valgrind --tool=callgrind --callgrind-out-file="$out" "$venv_python" - "$2" \
    >/dev/null 2>&1 <<'PY'
import random, sys
from restate_codegen.analysis import analyze_component
from restate_codegen.bench import make_module
from restate_codegen.model import ComponentOptions, GeneratedModules
from restate_codegen.render import render_component

rng = random.Random(7)
corpus = [make_module(rng, number) for number in range(int(sys.argv[1]) + 1)]
for name, source in corpus:  # the first is the warm-up (imports, template compile)
    component = analyze_component(name, [source], ComponentOptions(inactivity_timeout=30)).component
    assert component is not None
    render_component(component, GeneratedModules.for_target("bench", name.lower()))
PY
  awk '/^summary:/ { print $2 }' "$out"
  rm -f "$out"
}

instructions_per_module() { # PYTHONPATH -> instructions per module
  local modules=40 warm full
  warm="$(instructions_for "$1" 0)"
  full="$(instructions_for "$1" "$modules")"
  awk -v w="$warm" -v f="$full" -v n="$modules" 'BEGIN { printf "%.0f", (f - w) / n }'
}

base_instructions=""
head_instructions=""
if [[ -n "$count_instructions" ]]; then
  command -v valgrind >/dev/null || die "--instructions needs valgrind (apt-get install valgrind)"
  base_instructions="$(instructions_per_module "$base_dir/pants-plugins")"
  head_instructions="$(instructions_per_module "$buildroot/pants-plugins")"
  awk -v b="$base_instructions" -v h="$head_instructions" 'BEGIN {
    printf "instructions per module (callgrind, 40 modules): base %.1f M, head %.1f M, %.2fx fewer\n",
      b / 1e6, h / 1e6, b / h }'
fi

printf '%s\n' "${ratios[@]}" | sort -n |
  awk '{ r[NR] = $1 } END { printf "median speed-up over %d rounds: %.2fx (range %.2f-%.2f)\n", NR, (NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2), r[1], r[NR] }'

if [[ -n "$json_out" ]]; then
  "$venv_python" - "$json_out" "$base_ref" "$(git -C "$buildroot" rev-parse --short HEAD)" \
    "${bases[*]}" "${heads[*]}" "$base_instructions" "$head_instructions" <<'PY'
import json, os, sys, time
from pathlib import Path

path, base_ref, head_commit, bases, heads, base_instructions, head_instructions = sys.argv[1:]
record = {
    "benchmark": "codegen-core",
    "command": f"build-support/bench-codegen-core.sh {base_ref} <rounds>",
    "unit": "ms per handler module (median of the round), analysis + render",
    "taken": time.strftime("%Y-%m-%d", time.gmtime()),
    "base": base_ref,
    "head": head_commit,
    "load_average_at_end": round(os.getloadavg()[0], 2),
    "rounds": [
        {"base_ms": float(b), "head_ms": float(h)}
        for b, h in zip(bases.split(), heads.split())
    ],
}
if base_instructions and head_instructions:
    record["instructions_per_module"] = {
        "base": int(base_instructions),
        "head": int(head_instructions),
    }
Path(path).parent.mkdir(parents=True, exist_ok=True)
Path(path).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
print(f"wrote {path}")
PY
fi
