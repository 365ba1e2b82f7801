"""The long reliability runs, printing their figures (build-support/reliability.sh runs this).

    drill.pex crash [--signups N] [--kill-every S] [--arrival S] [--time-limit S]
    drill.pex soak [--seconds S] [--rate R]
    drill.pex bad-input [--random N] [--seed N]
    drill.pex all

The packaged server comes from `$RELIABILITY_SERVER_PEX`, restate-server from
`$RESTATE_SERVER_BIN`. Exit code 0 when every check held, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from reliability.bad_input import run_bad_input
from reliability.crash_drill import run_crash_drill
from reliability.soak import MB, run_soak
from reliability.stack import StackError


def say(line: str) -> None:
    print(line, flush=True)


def crash(args: argparse.Namespace, workdir: Path) -> bool:
    say(
        f"== crash drill: {args.signups} signups over {args.arrival:g}s, app SIGKILLed every "
        f"~{args.kill_every:g}s, restate-server SIGKILLed once"
    )
    report = run_crash_drill(
        workdir / "crash",
        signups=args.signups,
        kill_every=args.kill_every,
        arrival_seconds=args.arrival,
        chaos_seconds=args.chaos_seconds,
        time_limit=args.time_limit,
        say=say,
    )
    for line in report.lines():
        say(line)
    return (
        not report.errors
        and report.lost == 0
        and report.duplicated == 0
        and report.outbox_messages == report.signups
        and report.unfinished_invocations == 0
    )


def soak(args: argparse.Namespace, workdir: Path) -> bool:
    say(f"== soak: {args.seconds:g}s at {args.rate:g} signup flows/s, app over {args.app_http}")
    report = run_soak(
        workdir / "soak", seconds=args.seconds, rate=args.rate, app_http=args.app_http, say=say
    )
    for line in report.lines():
        say(line)
    say(f"RSS growth: {report.rss_growth / MB:+.1f} MB")
    return not report.errors and report.flows_ok == report.flows_started


def bad_input(args: argparse.Namespace, workdir: Path) -> bool:
    say(f"== bad input: every handler, fixed cases + {args.random} random ones each")
    report = run_bad_input(workdir / "bad-input", seed=args.seed, random_count=args.random)
    for line in report.lines():
        say(line)
    return not report.failures and not report.unfinished


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="drill", description="Reliability runs of the sample app.")
    p.add_argument("--workdir", type=Path, help="keep the runs' files here (default: a temp dir)")
    commands = p.add_subparsers(dest="command", required=True)
    for name in ("crash", "all"):
        c = commands.add_parser(name)
        c.add_argument("--signups", type=int, default=500)
        c.add_argument("--kill-every", type=float, default=3.0)
        c.add_argument("--arrival", type=float, default=120.0, help="signups spread over S s")
        c.add_argument("--chaos-seconds", type=float, help="default: the arrival time + 10 s")
        c.add_argument("--time-limit", type=float, default=900.0)
    for name in ("soak", "all"):
        c = commands.choices[name] if name in commands.choices else commands.add_parser(name)
        c.add_argument("--seconds", type=float, default=300.0)
        c.add_argument("--rate", type=float, default=5.0, help="signup flows per second")
        c.add_argument("--app-http", default="h2c", choices=["h2c", "http1.1"], help="APP_HTTP")
    for name in ("bad-input", "all"):
        c = commands.choices[name] if name in commands.choices else commands.add_parser(name)
        c.add_argument("--random", type=int, default=100, help="random bodies per handler")
        c.add_argument("--seed", type=int, default=12)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    runs = {"crash": crash, "soak": soak, "bad-input": bad_input}
    chosen = list(runs) if args.command == "all" else [args.command]
    with tempfile.TemporaryDirectory(prefix="reliability-") as tmp:
        workdir = args.workdir or Path(tmp)
        results = {}
        for name in chosen:
            started = time.monotonic()
            try:
                results[name] = runs[name](args, workdir)
            except StackError as e:
                say(f"{name}: could not run: {e}")
                results[name] = False
            say(
                f"== {name}: {'PASS' if results[name] else 'FAIL'} "
                f"({time.monotonic() - started:.0f}s)"
            )
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
