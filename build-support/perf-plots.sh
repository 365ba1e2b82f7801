#!/usr/bin/env bash
# The performance plots in docs/perf/: each benchmark records its figures there as JSON
# (--json), and tests/python/perf_plots turns the records into PNGs.
#
#   build-support/perf-plots.sh                    # re-plot what docs/perf/*.json records
#   build-support/perf-plots.sh --rerun [BASE_REF] # run the benchmarks first (about 25 minutes)
#
# --rerun runs, in order: the run-time benchmark (8 alternating rounds, one restate-server), the
# codegen core before (BASE_REF, default f8f024b, the last commit with the metadata-based
# analysis) and after in 8 alternating rounds plus their callgrind instruction counts (needs
# valgrind), and export-codegen on 500 targets with the
# plugin from BASE_REF and then from the work tree. Rerun on a quiet machine: the figures are
# ratios within a round, but a busy machine still widens their spread.
set -euo pipefail

buildroot="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=build-support/common.sh
source "$buildroot/build-support/common.sh"
cd "$buildroot"
out="docs/perf"

if [[ "${1:-}" == "--rerun" ]]; then
  base_ref="${2:-f8f024b}"
  mkdir -p "$out"
  ./pants run tests/python/perf:runtime-overhead -- --rounds 8 --json "$out/runtime-overhead.json"
  build-support/bench-codegen-core.sh "$base_ref" 8 --instructions --json "$out/codegen-core.json"

  base_tree="$(mktemp -d)"
  trap 'rm -rf "$base_tree"' EXIT
  git archive "$base_ref" pants-plugins 3rdparty | tar -x -C "$base_tree"
  rm -f "$out/export-codegen.json"
  # The base checkout may predate the runtime library: its generated code does not import it,
  # and the throwaway repo takes the work tree's copy.
  build-support/bench-export-codegen.sh --targets 500 --edits 3 --repo "$base_tree" \
    --runtime-dir "$buildroot/src/python" --label "before ($base_ref)" --json "$out/export-codegen.json"
  build-support/bench-export-codegen.sh --targets 500 --edits 3 \
    --label "after ($(git rev-parse --short HEAD))" --json "$out/export-codegen.json"
elif [[ $# -gt 0 ]]; then
  die "usage: build-support/perf-plots.sh [--rerun [BASE_REF]]"
fi

./pants run tests/python/perf_plots:plots -- "$out"
