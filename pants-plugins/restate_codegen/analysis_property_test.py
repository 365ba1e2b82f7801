"""Property tests: composed handler modules, valid and mutated, never break the analysis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from restate_codegen.analysis import analyze_component
from restate_codegen.model import AnalysisResult, HandlerKind, SourceFile

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


_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(max_examples=200, **_SETTINGS)  # type: ignore[arg-type]
@given(modules())
def test_composed_modules_are_understood(module: Module) -> None:
    result = check_invariants("Svc", [source(module.text)])
    assert result.component is not None, (module.text, result.diagnostics)
    handlers = result.component.handlers
    assert [(h.name, h.kind) for h in handlers] == [(e.name, e.kind) for e in module.handlers]
    for handler, expected in zip(handlers, module.handlers):
        assert (handler.request.source if handler.request else "") == expected.request
        assert handler.response.source == expected.response
        for ref in (handler.request, handler.response):
            names = ref.names if ref else ()
            assert list(names) == sorted(
                names, key=lambda n: (n.local, n.module, n.attribute or "")
            )
            assert all(n.local in ref.source for n in names) if ref else True


@settings(max_examples=900, **_SETTINGS)  # type: ignore[arg-type]
@given(st.data())
def test_mutated_modules_never_break_the_analysis(data: st.DataObject) -> None:
    module = data.draw(modules())
    text = data.draw(mutated(module.text))
    check_invariants("Svc", [source(text)])


@settings(max_examples=120, **_SETTINGS)  # type: ignore[arg-type]
@given(st.data())
def test_multi_module_targets(data: st.DataObject) -> None:
    texts = [data.draw(modules()).text for _ in range(data.draw(st.integers(1, 3)))]
    if data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(texts) - 1))
        texts[index] = data.draw(mutated(texts[index]))
    sources = [source(text, index) for index, text in enumerate(texts)]
    check_invariants("Svc", list(reversed(sources)))


@settings(max_examples=800, **_SETTINGS)  # type: ignore[arg-type]
@given(st.text(max_size=12), st.text(max_size=200))
def test_arbitrary_names_and_text(name: str, text: str) -> None:
    check_invariants(name, [source(text)])
