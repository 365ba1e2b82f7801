"""The bounded crash drill (the long one: build-support/reliability.sh crash)."""

from __future__ import annotations

from pathlib import Path

from reliability.crash_drill import run_crash_drill


def test_signups_survive_app_and_server_crashes(tmp_path: Path) -> None:
    report = run_crash_drill(
        tmp_path, signups=100, kill_every=3.0, restate_kill_after=3, time_limit=300.0, say=print
    )
    print("\n".join(report.lines()))
    assert report.errors == []
    assert report.app_kills >= 3 and report.app_restarts == report.app_kills
    assert report.restate_kills == 1 and report.restate_restarts == 1
    assert report.confirmed_workflows == report.confirmed_users == report.signups == 100
    assert report.lost == 0 and report.duplicated == 0
    assert report.outbox_messages == 100  # one distinct verification email per user
    assert report.outbox_raw_lines == (
        report.outbox_messages + report.outbox_duplicate_lines + report.outbox_torn_lines
    )
    assert report.unfinished_invocations == 0
