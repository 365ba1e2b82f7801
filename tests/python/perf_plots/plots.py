"""Plots the benchmarks' recorded figures: `docs/perf/*.json` in, `docs/perf/*.png` out.

    ./pants run tests/python/perf_plots:plots -- docs/perf

Each benchmark writes its record with `--json` (see README.md, "Performance"):

- `runtime-overhead.json` (`./pants run tests/python/perf:runtime-overhead -- --json ...`):
  the ratio of each alternating round -> `runtime-ratio.png`;
- `codegen-core.json` (`build-support/bench-codegen-core.sh BASE 8 --json ...`): milliseconds
  per handler module before and after, per round -> `codegen-core.png`;
- `export-codegen.json` (`build-support/bench-export-codegen.sh --targets 500 --json ...`, once
  per checkout with `--label`): cold, warm and one-edit times -> `scale.png`.

A record that is missing is skipped with a line saying so; one that is malformed stops the run
with the file and the key at fault. The goals drawn are the ones issue 13 set.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; no display on these machines

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
from matplotlib.figure import Figure  # noqa: E402

THROUGHPUT_GOAL = 0.97  # generated / hand-written throughput, at least
LATENCY_GOAL = 1.05  # typed client / raw call latency, at most
CODEGEN_GOAL_MS = 5.0  # analysis + render per handler module, at most
COLD_GOAL_S = 15.0  # export-codegen ::, 500 targets, pantsd start included
EDIT_GOAL_S = 1.5  # export-codegen ::, 500 targets, after editing one handler module

# PNGs without the matplotlib version: the same record plots to the same bytes.
PNG_METADATA = {"Software": None}


class RecordError(Exception):
    """A record file that cannot be plotted: says which file and what is wrong with it."""


def require(record: dict[str, Any], key: str, path: Path) -> Any:
    if key not in record:
        raise RecordError(f"{path}: no {key!r} in the record; rerun the benchmark with --json")
    return record[key]


def plot_runtime_ratio(record: dict[str, Any], path: Path) -> Figure:
    sections = require(record, "sections", path)
    by_measure: dict[str, list[dict[str, Any]]] = {"throughput": [], "latency": []}
    for section in sections:
        by_measure[require(section, "measure", path)].append(section)
    fig, (throughput_ax, latency_ax) = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
    for ax, measure, goal, better in (
        (throughput_ax, "throughput", THROUGHPUT_GOAL, "higher is better"),
        (latency_ax, "latency", LATENCY_GOAL, "lower is better"),
    ):
        for section in by_measure[measure]:
            ratios = [r["ratio"] for r in require(section, "rounds", path)]
            first, second = require(section, "sides", path)
            ax.plot(
                range(1, len(ratios) + 1),
                ratios,
                marker="o",
                label=f"{first} / {second} (median {statistics.median(ratios):.2f})",
            )
        ax.axhline(1.0, color="grey", linewidth=0.8)
        ax.axhline(goal, color="tab:red", linestyle="--", linewidth=1, label=f"goal {goal}")
        ax.set_title(f"{measure} ratio per round ({better})")
        ax.set_xlabel("round (the side that goes first alternates)")
        ax.legend(fontsize="small")
    throughput_ax.set_ylabel("ratio")
    fig.suptitle(f"Run time: generated glue vs hand-written restate-sdk glue {taken(record)}")
    return fig


def plot_codegen_core(record: dict[str, Any], path: Path) -> Figure:
    rounds = require(record, "rounds", path)
    base = [r["base_ms"] for r in rounds]
    head = [r["head_ms"] for r in rounds]
    speedups = [b / h for b, h in zip(base, head)]
    instructions = record.get("instructions_per_module")
    if instructions:
        fig, (ax, count_ax) = plt.subplots(
            1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [2, 1]}
        )
    else:
        fig, ax = plt.subplots(figsize=(7.5, 4.2))
    base_label = f"before ({record.get('base', 'base')})"
    head_label = f"after ({record.get('head', 'head')})"
    numbers = range(1, len(rounds) + 1)
    ax.plot(numbers, base, marker="o", label=base_label)
    ax.plot(numbers, head, marker="o", label=head_label)
    ax.axhline(CODEGEN_GOAL_MS, color="tab:red", linestyle="--", linewidth=1, label="goal 5 ms")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("round (before and after alternate)")
    ax.set_ylabel("ms per handler module (median)")
    ax.set_title(f"wall time: median speed-up {statistics.median(speedups):.1f}x")
    ax.legend(fontsize="small")
    if instructions:
        counts = [instructions["base"] / 1e6, instructions["head"] / 1e6]
        count_ax.bar([base_label, head_label], counts, color=["tab:blue", "tab:orange"])
        for x, count in enumerate(counts):
            count_ax.annotate(f"{count:.1f} M", (x, count), ha="center", va="bottom")
        count_ax.set_ylabel("million instructions per module")
        count_ax.set_title(f"callgrind: {counts[0] / counts[1]:.1f}x fewer (load-independent)")
    fig.suptitle(f"Codegen core, analysis + render per handler module {taken(record)}")
    return fig


def plot_scale(record: dict[str, Any], path: Path) -> Figure:
    runs = require(record, "runs", path)
    labels = [require(run, "label", path) for run in runs]
    fig, (cold_ax, warm_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    bars = (
        (cold_ax, [("cold", "cold_s"), ("--no-pantsd", "no_pantsd_s")], COLD_GOAL_S, "cold"),
        (
            warm_ax,
            [("no change", "no_change_s"), ("one edit", "after_edit_s")],
            EDIT_GOAL_S,
            "edit",
        ),
    )
    width = 0.8 / max(len(runs), 1)
    for ax, columns, goal, goal_name in bars:
        tallest = goal
        for i, (run, label) in enumerate(zip(runs, labels)):
            heights = [median_of(require(run, key, path)) for _, key in columns]
            tallest = max(tallest, *heights)
            xs = [c + i * width for c in range(len(columns))]
            load = run.get("load_average")
            loads = f", load {load[0]:.1f} to {load[1]:.1f}" if load else ""
            ax.bar(xs, heights, width, label=f"{label}{loads}")
            for x, h in zip(xs, heights):
                ax.annotate(f"{h:.1f}s", (x, h), ha="center", va="bottom", fontsize="small")
        ax.set_xticks([c + width * (len(runs) - 1) / 2 for c in range(len(columns))])
        ax.set_xticklabels([name for name, _ in columns])
        ax.axhline(goal, color="tab:red", linestyle="--", linewidth=1, label=f"{goal_name} goal")
        ax.set_ylabel("seconds")
        ax.set_ylim(0, tallest * 1.45)  # room for the legend above the bars and their labels
        ax.legend(fontsize="small", loc="upper right")
    cold_ax.set_title("export-codegen ::, cold (pantsd start included)")
    warm_ax.set_title("warm pantsd (one edit: median)")
    what = runs[0].get("what", "") if runs else ""
    fig.suptitle(f"Scale: {what}")
    return fig


def median_of(value: float | list[float]) -> float:
    return statistics.median(value) if isinstance(value, list) else value


def taken(record: dict[str, Any]) -> str:
    """When, and how busy the machine was (its 1-minute load average; it has 2 cores)."""
    parts = [record["taken"]] if "taken" in record else []
    load = record.get("machine", {}).get("load_average") or record.get("load_average_at_end")
    if load is not None:
        loads = load if isinstance(load, list) else [load]
        parts.append("load " + " to ".join(f"{value:.1f}" for value in loads))
    return f"({', '.join(parts)})" if parts else ""


PLOTS: dict[str, tuple[str, Callable[[dict[str, Any], Path], Figure]]] = {
    "runtime-overhead.json": ("runtime-ratio.png", plot_runtime_ratio),
    "codegen-core.json": ("codegen-core.png", plot_codegen_core),
    "export-codegen.json": ("scale.png", plot_scale),
}


def render_all(directory: Path) -> list[Path]:
    """Plots every record found in `directory` next to it; returns the files written."""
    written = []
    for record_name, (png_name, plot) in PLOTS.items():
        record_path = directory / record_name
        if not record_path.exists():
            print(f"skipped {png_name}: no {record_path}")
            continue
        try:
            record = json.loads(record_path.read_text())
        except json.JSONDecodeError as e:
            raise RecordError(f"{record_path}:{e.lineno}: not JSON ({e.msg})") from None
        try:
            fig = plot(record, record_path)
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as e:
            raise RecordError(f"{record_path}: cannot plot it ({type(e).__name__}: {e})") from None
        fig.tight_layout()
        out = directory / png_name
        # Written beside the record and then moved: a failed run leaves no half-written plot.
        partial = out.with_suffix(".png.partial")
        fig.savefig(partial, format="png", dpi=100, metadata=PNG_METADATA)
        plt.close(fig)
        partial.replace(out)
        written.append(out)
        print(f"wrote {out}")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, nargs="?", default=Path("docs/perf"))
    args = parser.parse_args()
    if not args.directory.is_dir():
        sys.exit(f"{args.directory}: no such directory (the benchmarks' --json records go there)")
    try:
        render_all(args.directory)
    except RecordError as e:
        sys.exit(str(e))


if __name__ == "__main__":
    main()
