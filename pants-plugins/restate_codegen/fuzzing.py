"""Fuzzing the codegen: composed handler modules (every context style, type and kind) and
mutations of them, run through analysis and, when analysis accepts them, render. A user's
mistake must come back as diagnostics (file, line, message, hint), never as a traceback.

    build-support/fuzz-codegen.sh --examples 10000
    (= ./pants run pants-plugins/restate_codegen:fuzz -- --examples 10000)

prints how many modules were analyzed, accepted, refused with diagnostics, and any traceback.
The strategies also drive the property tests (analysis_property_test.py).
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Counter, List, Optional, Sequence, Tuple

import hypothesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from restate_codegen.analysis import analyze_component
from restate_codegen.model import AnalysisResult, GeneratedModules, HandlerKind, SourceFile
from restate_codegen.render import RenderError, render_component

PACKAGE = "app.svc"

KIND_CONTEXTS = {
    "service": [("Context", HandlerKind.SERVICE)],
    "object": [
        ("ObjectContext", HandlerKind.EXCLUSIVE),
        ("ObjectSharedContext", HandlerKind.SHARED),
    ],
    "workflow": [("WorkflowSharedContext", HandlerKind.WORKFLOW_SHARED)],
}
MAIN_WORKFLOW = ("WorkflowContext", HandlerKind.WORKFLOW_MAIN)

# (imports, annotation) for a context class C, in every style people write.
CONTEXT_STYLES = [
    lambda c: ([f"from restate import {c}"], c),
    lambda c: ([f"from restate import {c} as {c}Alias"], f"{c}Alias"),
    lambda c: (["import restate"], f"restate.{c}"),
    lambda c: (["import restate as r"], f"r.{c}"),
    lambda c: ([f"from restate.context import {c}"], c),
    lambda c: ([f"from restate import {c}"], f'"{c}"'),
    lambda c: (["import restate"], f"'restate.{c}'"),
]

# (imports, annotation as written, normalised source)
TYPES: List[Tuple[Sequence[str], str, str]] = [
    ((), "int", "int"),
    ((), "str", "str"),
    ((), "bytes", "bytes"),
    ((), "dict[str, int]", "dict[str, int]"),
    ((), "list[Model]", "list[Model]"),
    ((), "Model", "Model"),
    ((), "Model | None", "Model | None"),
    ((), "'Model'", "Model"),
    (("from typing import Optional",), "Optional[Model]", "Optional[Model]"),
    (("import typing",), "typing.List[int]", "typing.List[int]"),
    (("from typing import Dict",), "Dict[str,  Model]", "Dict[str, Model]"),
    (("from app.models import Ext",), "Ext", "Ext"),
    (("import app.models as m",), "m.Ext | None", "m.Ext | None"),
    (("from .models import Local",), "list[Local]", "list[Local]"),
    (("from . import models",), "models.Local", "models.Local"),
    (("import app.models",), "app.models.Ext", "app.models.Ext"),
    (("import msgspec",), "msgspec.Raw", "msgspec.Raw"),
]

MODEL_DEFINITIONS = [
    "@dataclass\nclass Model:\n    name: str = ''\n",
    "class Model(BaseModel):\n    name: str\n",
    "class Struct(msgspec.Struct):\n    x: int\n\n\nModel = Struct\n",
]
MODEL_IMPORTS = [
    ["from dataclasses import dataclass"],
    ["from pydantic import BaseModel"],
    ["import msgspec"],
]

HANDLER_NAMES = ["greet", "add", "get", "run", "status", "lookup", "compute", "reset", "h1", "x_2"]
NOISE = [
    "def helper(x: int) -> int:\n    return x\n",
    "async def _private(ctx: object) -> None:\n    pass\n",
    "class Thing:\n    async def method(self, ctx: object) -> None:\n        pass\n",
    "CONSTANT = 3\n",
    "async def no_context(value: int) -> int:\n    return value\n",
]


@dataclass(frozen=True)
class Expected:
    name: str
    kind: HandlerKind
    request: str  # "" for no request
    response: str


@dataclass(frozen=True)
class Module:
    text: str
    handlers: Tuple[Expected, ...]


@st.composite
def modules(draw: st.DrawFn) -> Module:
    kind = draw(st.sampled_from(sorted(KIND_CONTEXTS)))
    names = draw(st.lists(st.sampled_from(HANDLER_NAMES), min_size=1, max_size=4, unique=True))
    model = draw(st.integers(0, len(MODEL_DEFINITIONS) - 1))
    imports = set(MODEL_IMPORTS[model])
    blocks: List[str] = [MODEL_DEFINITIONS[model]]
    expected: List[Expected] = []
    for index, name in enumerate(names):
        context, handler_kind = draw(st.sampled_from(KIND_CONTEXTS[kind]))
        if kind == "workflow" and index == 0:
            context, handler_kind = MAIN_WORKFLOW
        context_imports, context_annotation = draw(st.sampled_from(CONTEXT_STYLES))(context)
        imports.update(context_imports)
        params = f"ctx: {context_annotation}"
        request = ""
        if draw(st.booleans()):
            request_imports, written, request = draw(st.sampled_from(TYPES))
            imports.update(request_imports)
            params += f", req: {written}"
        response_imports, written_response, response = draw(st.sampled_from(TYPES))
        imports.update(response_imports)
        docstring = '    """Handle it."""\n' if draw(st.booleans()) else ""
        blocks.append(f"async def {name}({params}) -> {written_response}:\n{docstring}    ...\n")
        expected.append(Expected(name, handler_kind, request, response))
        if draw(st.booleans()):
            blocks.append(draw(st.sampled_from(NOISE)))
    header = '"""A handler module."""\n' if draw(st.booleans()) else ""
    if draw(st.booleans()):
        header += "from __future__ import annotations\n"
    text = header + "".join(f"{line}\n" for line in sorted(imports)) + "\n\n".join(blocks)
    return Module(text, tuple(expected))


MUTATION_SWAPS = [
    ("async def", "def"),
    ("def ", "async def "),
    ("async ", "await "),
    ("Context", "Contxt"),
    ("WorkflowSharedContext", "WorkflowContext"),
    ("ObjectContext", "Context"),
    (":", ""),
    ("(", "["),
    ("->", "=>"),
    ("ctx", "*ctx"),
    (", req", ", *, req"),
    ("import", "imprt"),
    ("from", "if TYPE_CHECKING:\n    from"),
    ("    ", "  "),
    ("\n", "\n    "),
    ('"', ""),
    ("int", "Missing"),
    ("class", "def"),
]
NOISE_CHARS = st.sampled_from(list("()[]{}:;,.'\"\\#@*-=><|/ \t\n\r\x00\x0cxyzé1") + ["\u2028"])


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        choice = draw(st.integers(0, 4))
        if choice == 0 and lines:
            del lines[draw(st.integers(0, len(lines) - 1))]
            text = "\n".join(lines)
        elif choice == 1 and lines:
            index = draw(st.integers(0, len(lines) - 1))
            lines.insert(index, lines[index])
            text = "\n".join(lines)
        elif choice == 2:
            position = draw(st.integers(0, len(text)))
            noise = "".join(draw(st.lists(NOISE_CHARS, min_size=1, max_size=4)))
            text = text[:position] + noise + text[position:]
        elif choice == 3:
            old, new = draw(st.sampled_from(MUTATION_SWAPS))
            count = text.count(old)
            if count:
                nth = draw(st.integers(0, count - 1))
                start = -1
                for _ in range(nth + 1):
                    start = text.index(old, start + 1)
                text = text[:start] + new + text[start + len(old) :]
        else:
            text = text[: draw(st.integers(0, len(text)))]
    return text


def source(text: str, index: int = 0) -> SourceFile:
    return SourceFile(f"src/python/app/svc/h{index}.py", f"{PACKAGE}.h{index}", text)


def check_invariants(name: str, sources: Sequence[SourceFile]) -> AnalysisResult:
    result = analyze_component(name, sources)
    assert (result.component is None) == bool(result.diagnostics)
    assert result.ok == (result.component is not None)
    lines = {s.path: len(s.text.splitlines()) for s in sources}
    for diagnostic in result.diagnostics:
        location = diagnostic.location
        assert location.path in lines
        assert 1 <= location.line <= lines[location.path] + 1, (diagnostic, sources)
        assert location.column >= 1
        assert diagnostic.message and diagnostic.hint
        str(diagnostic)
    assert analyze_component(name, sources) == result  # deterministic
    return result


@dataclass
class FuzzReport:
    examples: int = 0
    composed_accepted: int = 0
    composed_refused: List[str] = field(default_factory=list)  # valid modules refused: a bug
    mutated: int = 0
    mutated_accepted: int = 0
    mutated_refused: int = 0
    diagnostics: Counter[str] = field(default_factory=collections.Counter)
    rendered: int = 0
    tracebacks: List[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.tracebacks and not self.composed_refused

    def lines(self) -> List[str]:
        common = ", ".join(f"{n} x {m}" for m, n in self.diagnostics.most_common(8))
        return [
            f"examples: {self.examples} composed modules + {self.mutated} mutated modules "
            f"= {self.examples + self.mutated} analyzed",
            f"composed: {self.composed_accepted} accepted, "
            f"{len(self.composed_refused)} wrongly refused",
            f"mutated: {self.mutated_accepted} still valid, {self.mutated_refused} refused with "
            f"{sum(self.diagnostics.values())} diagnostics",
            f"rendered and compiled: {self.rendered} components",
            f"most common diagnostics: {common}",
            f"tracebacks: {len(self.tracebacks)}",
            f"time: {self.seconds:.1f}s",
            *self.composed_refused[:5],
            *self.tracebacks[:5],
        ]


# "handler `x` is a plain `def` ..." -> "handler `_` is a plain `def` ...": group by kind.
_NAMES = re.compile(r"`[^`]*`|'[^']*'|\"[^\"]*\"|\d+")


def _kind_of(message: str) -> str:
    if message.startswith("syntax error"):
        return "syntax error"  # libcst's parser detail varies with every mutation
    return _NAMES.sub("_", message)[:70]


def _render_and_compile(result: AnalysisResult, report: FuzzReport) -> None:
    if result.component is None:
        return
    try:
        files = render_component(result.component, GeneratedModules.for_target("app.svc", "svc"))
    except RenderError as error:  # a refusal with a message, not a crash
        report.diagnostics[f"render: {_kind_of(str(error))}"] += 1
        return
    for generated in files:
        compile(generated.content, generated.path, "exec")
    report.rendered += 1


def _one(text: str, report: FuzzReport) -> Optional[AnalysisResult]:
    try:
        result = check_invariants("Svc", [source(text)])
        _render_and_compile(result, report)
        return result
    except Exception:  # noqa: BLE001 - what the fuzzer is looking for
        report.tracebacks.append(f"traceback on:\n{text}\n{traceback.format_exc()}")
        return None


def fuzz(examples: int, seed: Optional[int] = None) -> FuzzReport:
    """`examples` composed modules, each also mutated; only counts, never raises."""
    report = FuzzReport()
    started = time.monotonic()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=seed is None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def run(data: st.DataObject) -> None:
        module = data.draw(modules())
        text = data.draw(mutated(module.text))
        # Counted only once both are drawn: hypothesis may abandon an example mid-draw.
        report.examples += 1
        report.mutated += 1
        result = _one(module.text, report)
        if result is not None:
            if result.ok:
                report.composed_accepted += 1
            else:
                report.composed_refused.append(
                    f"refused valid module:\n{module.text}\n{result.diagnostics}"
                )
        result = _one(text, report)
        if result is not None:
            if result.ok:
                report.mutated_accepted += 1
            else:
                report.mutated_refused += 1
                for diagnostic in result.diagnostics:
                    report.diagnostics[_kind_of(diagnostic.message)] += 1

    if seed is not None:
        run = hypothesis.seed(seed)(run)
    run()
    report.seconds = time.monotonic() - started
    return report


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=None, help="default: derandomized")
    args = parser.parse_args(argv)
    print(f"fuzzing the codegen with {args.examples} composed modules, each also mutated ...")
    report = fuzz(args.examples, args.seed)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
