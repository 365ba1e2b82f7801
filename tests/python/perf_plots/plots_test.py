from __future__ import annotations

import json
from pathlib import Path

import pytest

from perf_plots.plots import RecordError, render_all

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def write_records(directory: Path) -> None:
    rounds = [{"figures": {"a": 1.0, "b": 1.0}, "ratio": r} for r in (0.9, 1.1, 1.0)]
    sections = [
        {"measure": "throughput", "sides": ["generated", "hand-written"], "rounds": rounds},
        {"measure": "latency", "sides": ["typed", "raw httpx"], "rounds": rounds},
    ]
    (directory / "runtime-overhead.json").write_text(
        json.dumps({"sections": sections, "taken": "2026-12-06"})
    )
    (directory / "codegen-core.json").write_text(
        json.dumps(
            {
                "base": "f8f024b",
                "head": "abc",
                "rounds": [{"base_ms": 30, "head_ms": 4}],
                "instructions_per_module": {"base": 258_000_000, "head": 38_000_000},
            }
        )
    )
    run = {"cold_s": 13.0, "no_pantsd_s": 14.0, "no_change_s": 0.9, "after_edit_s": [1.0, 1.2]}
    (directory / "export-codegen.json").write_text(
        json.dumps({"runs": [{"label": "before", **run}, {"label": "after", **run}]})
    )


def test_every_record_becomes_a_png_and_the_same_record_the_same_bytes(tmp_path: Path) -> None:
    write_records(tmp_path)
    written = render_all(tmp_path)
    assert sorted(p.name for p in written) == ["codegen-core.png", "runtime-ratio.png", "scale.png"]
    first = {p.name: p.read_bytes() for p in written}
    assert all(data.startswith(PNG_SIGNATURE) for data in first.values())
    render_all(tmp_path)
    assert {p.name: p.read_bytes() for p in written} == first
    assert not list(tmp_path.glob("*.partial"))


def test_a_missing_record_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_records(tmp_path)
    (tmp_path / "export-codegen.json").unlink()
    assert [p.name for p in render_all(tmp_path)] == ["runtime-ratio.png", "codegen-core.png"]
    assert "skipped scale.png" in capsys.readouterr().out


def test_a_malformed_record_names_the_file_and_the_key(tmp_path: Path) -> None:
    write_records(tmp_path)
    (tmp_path / "codegen-core.json").write_text(json.dumps({"base": "x"}))
    with pytest.raises(RecordError, match=r"codegen-core.json: no 'rounds' in the record"):
        render_all(tmp_path)
    assert not (tmp_path / "codegen-core.png").exists()


def test_a_record_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    write_records(tmp_path)
    (tmp_path / "export-codegen.json").write_text('{\n  "runs": [\n')
    with pytest.raises(RecordError, match=r"export-codegen.json:\d+: not JSON"):
        render_all(tmp_path)
