"""Benchmark analysis + render per handler module: `python -m restate_codegen.bench`.

Builds a corpus of varied handler modules (services, virtual objects, workflows; 1 to 12
handlers; dataclass, pydantic, primitive, Optional, list and dict types from a models module
and from the handler module itself; aliased imports; docstrings), then times
`analyze_component` and `render_component` for each module and prints the median and p90 of
each, side by side, from one run.
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import time
from typing import Callable, List, Sequence, Tuple

from restate_codegen.analysis import analyze_component
from restate_codegen.model import Component, ComponentOptions, GeneratedModules, SourceFile
from restate_codegen.render import render_component

_KINDS = {
    "service": ("Context", "Context"),
    "object": ("ObjectContext", "ObjectSharedContext"),
    "workflow": ("WorkflowContext", "WorkflowSharedContext"),
}
_TYPES = (
    "int",
    "str",
    "bool",
    "float",
    "Order",
    "Customer",
    "Optional[Order]",
    "list[Customer]",
    "dict[str, int]",
    "m.Invoice",
    "Local",
    "list[Local] | None",
)


def _handler(rng: random.Random, index: int, ctx: str, with_request: bool) -> str:
    response = rng.choice(_TYPES + ("None",))
    doc = (
        f'    """Handler number {index}: does step {index} of the job."""\n'
        if rng.random() < 0.7
        else ""
    )
    params = f"ctx: {ctx}" + (f", req: {rng.choice(_TYPES)}" if with_request else "")
    return (
        f"async def handler_{index}({params}) -> {response}:\n{doc}    raise NotImplementedError\n"
    )


def make_module(rng: random.Random, number: int) -> Tuple[str, SourceFile]:
    """One handler module and the component name it makes."""
    kind = rng.choice(sorted(_KINDS))
    main_ctx, other_ctx = _KINDS[kind]
    count = rng.randint(1, 12)
    parts = [
        f'"""Component {number}: a generated {kind} for the benchmark."""\n',
        "from __future__ import annotations\n",
        "from dataclasses import dataclass",
        "from typing import Optional\n",
        f"from restate import {main_ctx}, {other_ctx}\n",
        "import bench.models as m",
        "from bench.models import Customer, Order\n\n",
        "@dataclass\nclass Local:\n    value: int\n\n",
    ]
    for index in range(count):
        if kind == "workflow":
            ctx = main_ctx if index == 0 else other_ctx
        elif kind == "object":
            ctx = rng.choice((main_ctx, other_ctx))
        else:
            ctx = main_ctx
        parts.append(_handler(rng, index, ctx, with_request=rng.random() < 0.8) + "\n")
    module = f"bench.pkg{number % 10}.component_{number}"
    text = "\n".join(parts)
    return f"Component{number}", SourceFile(
        f"src/python/{module.replace('.', '/')}.py", module, text
    )


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _best_of(repeats: int, fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: Sequence[str] = ()) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--modules", type=int, default=250)
    parser.add_argument("--repeats", type=int, default=3, help="best of N per module")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(list(argv) or None)

    rng = random.Random(args.seed)
    corpus = [make_module(rng, number) for number in range(args.modules)]
    options = ComponentOptions(inactivity_timeout=30)

    cold_start = time.perf_counter()
    name, source = corpus[0]
    first = analyze_component(name, [source], options)
    assert first.component is not None, first.diagnostics
    render_component(first.component, GeneratedModules.for_target("bench", "warmup"))
    cold = time.perf_counter() - cold_start

    analysis_ms: List[float] = []
    render_ms: List[float] = []
    handlers = 0
    for name, source in corpus:
        result = analyze_component(name, [source], options)
        if result.component is None:
            raise SystemExit(f"{source.path}: " + "; ".join(map(str, result.diagnostics)))
        component: Component = result.component
        handlers += len(component.handlers)
        modules = GeneratedModules.for_target(source.module.rsplit(".", 1)[0], name.lower())
        analyze = functools.partial(analyze_component, name, [source], options)
        render = functools.partial(render_component, component, modules)
        analysis_ms.append(1000 * _best_of(args.repeats, analyze))
        render_ms.append(1000 * _best_of(args.repeats, render))
    total_ms = [a + r for a, r in zip(analysis_ms, render_ms)]

    print(
        f"{len(corpus)} modules, {handlers} handlers, best of {args.repeats} per module; "
        f"first module cold (imports, template compile): {cold * 1000:.1f} ms"
    )
    print(f"{'per module (ms)':<18}{'analysis':>10}{'render':>10}{'total':>10}")
    for label, fraction in (("median", 0.5), ("p90", 0.9), ("max", 1.0)):
        row = [_percentile(xs, fraction) for xs in (analysis_ms, render_ms, total_ms)]
        print(f"{label:<18}" + "".join(f"{value:>10.2f}" for value in row))
    print(
        f"{'mean':<18}"
        + "".join(f"{statistics.fmean(xs):>10.2f}" for xs in (analysis_ms, render_ms, total_ms))
    )
    print(
        f"{'sum (s)':<18}"
        + "".join(f"{sum(xs) / 1000:>10.2f}" for xs in (analysis_ms, render_ms, total_ms))
    )


if __name__ == "__main__":
    main()
