"""The bounded soak (the long one: build-support/reliability.sh soak)."""

from __future__ import annotations

from pathlib import Path

from reliability.soak import run_soak


def test_a_fixed_rate_of_signup_flows_has_no_errors(tmp_path: Path) -> None:
    report = run_soak(tmp_path, seconds=20.0, rate=4.0, say=print)
    print("\n".join(report.lines()))
    assert report.errors == []
    assert report.flows_started == 80
    assert report.flows_ok == report.flows_started
    assert report.calls == 4 * report.flows_started  # nothing was retried
    assert len(report.rss_samples) >= 10  # memory was watched (growth is reported, not judged)
