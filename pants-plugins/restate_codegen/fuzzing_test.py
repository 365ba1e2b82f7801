"""The fuzzer itself, on a small sample (the 10,000-module run: build-support/fuzz-codegen.sh)."""

from __future__ import annotations

from restate_codegen.fuzzing import FuzzReport, fuzz


def test_a_sample_of_the_fuzz_run_gives_only_diagnostics() -> None:
    report: FuzzReport = fuzz(100)
    print("\n".join(report.lines()))
    assert report.tracebacks == []
    assert report.composed_refused == []
    assert report.examples == report.mutated >= 100
    assert report.composed_accepted == report.examples
    assert report.mutated_accepted + report.mutated_refused == report.mutated
    assert report.mutated_refused > 0 and sum(report.diagnostics.values()) > 0
    assert report.rendered >= report.composed_accepted
