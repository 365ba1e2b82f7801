"""The fast facts pass gives exactly what libcst's metadata providers would.

`collect_facts` reads the module scope with a plain statement walk and takes positions from one
code generation pass over function headers; libcst's PositionProvider is only a fallback. These
tests compare every position against the provider's, and the scope rules against cases that
ScopeProvider used to decide.
"""

from __future__ import annotations

import random
import textwrap
from typing import Dict, Iterator, List, Tuple

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from restate_codegen import facts as facts_module
from restate_codegen.bench import make_module
from restate_codegen.facts import ModuleFacts, collect_facts
from restate_codegen.model import SourceFile

TRICKY_HEADERS = [
    """
    from restate import Context
    async def a(ctx: Context, req: (int)) -> ("str"):
        return "x"
    """,
    """
    import restate as r
    @decorator(
        1,
    )
    async def b(
        ctx: r.Context,
        /,
        req: "list[Order] | None" = None,
        *args: int,
        key: dict[str, 'Order'],
        **kwargs: float,
    ) -> Optional[  List[int] ]:
        '''Docs.'''
    """,
    (
        "from restate import Context\r\n"
        "async def crlf(ctx: Context,\r\n  req: int) -> int:\r\n    return 1\r\n"
    ),
    "from restate import Context\nasync def tabs(ctx:\tContext,\treq:\tint) -> None:\n\tpass\n",
    """
    from restate import Context
    x = '''multi
    line'''
    async def ünïcode(ctx: Context, réq: "Ünï") -> None: ...
    class C:
        async def method(self, ctx: Context) -> None: ...
    if True:
        async def nested_in_if(ctx: Context, req: Annotated[int, "x"]) -> Literal["a", 'b']: ...
    def sync(ctx, req): return 1
    """,
    "async def only(ctx: Context) -> None: pass",
    """
    try:
        from restate import Context
    except ImportError:
        @decorator
        async def in_except(ctx: Context,
                            réq: "Ünï") -> None: ...
    else:
        async def in_else(ctx: Context) -> None: ...
    finally:
        for _ in []:
            with open("f"):
                async def deep(ctx: Context, req: int) -> int: ...
    async def in_except(ctx: Context) -> None: ...
    """,
    "from restate import Context\nasync \\\n  def continued(ctx: Context) -> None: ...\n",
]

# Headers that the per-header pass cannot place, so the one-pass count does: syntax newer than
# the Python that runs Pants (3.9), and lone carriage returns.
ONE_PASS_HEADERS = [
    """
    from restate import Context
    match x:
        case 1:
            pass
    async def after_match(ctx: Context, req: int) -> int: ...
    """,
    "from restate import Context\rasync def cr(ctx: Context,\r  req: int) -> int:\r  return 1\r",
]


def _source(text: str) -> SourceFile:
    return SourceFile("src/app/mod.py", "app.mod", textwrap.dedent(text).lstrip("\n"))


def _collect_with_positions_from_the_provider(
    source: SourceFile, monkeypatch: pytest.MonkeyPatch
) -> ModuleFacts:
    with monkeypatch.context() as patch:
        # No positions from ast, none recorded while generating headers: every position comes
        # from PositionProvider.
        patch.setattr(facts_module, "_positions_from_ast", lambda *args: {})
        patch.setattr(facts_module._HeaderPositionState, "_recording", lambda self: False)
        return collect_facts(source)


def _bench_sources() -> Iterator[SourceFile]:
    rng = random.Random(7)
    for number in range(40):
        yield make_module(rng, number)[1]


@pytest.mark.parametrize("text", TRICKY_HEADERS)
def test_positions_are_the_position_providers(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _source(text)
    assert collect_facts(source) == _collect_with_positions_from_the_provider(source, monkeypatch)


@pytest.mark.parametrize("text", ONE_PASS_HEADERS)
def test_positions_from_the_one_pass_count_are_the_position_providers(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _source(text)
    _, functions, _ = _parsed(source)
    assert facts_module._paired_defs(functions, facts_module._python_tree(source.text)) is None
    assert collect_facts(source) == _collect_with_positions_from_the_provider(source, monkeypatch)


def test_each_header_is_placed_without_the_one_pass_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_one_pass(*args: object) -> None:
        raise AssertionError("the one-pass count was used")

    def no_positions_from_ast(*args: object) -> Dict[int, Tuple[int, int]]:
        return {}  # every position from generating the headers

    sources = [*map(_source, TRICKY_HEADERS), *_bench_sources()]
    expected = [_collect_with_positions_from_the_provider(s, monkeypatch) for s in sources]
    monkeypatch.setattr(facts_module, "_positions_from_one_pass", no_one_pass)
    monkeypatch.setattr(facts_module, "_positions_from_ast", no_positions_from_ast)
    assert [collect_facts(source) for source in sources] == expected


def test_positions_from_ast_are_the_position_providers() -> None:
    """Every position that pairing with `ast` gives is the provider's (none is wrong), and on
    ordinary modules it gives every header position (no header is generated)."""
    for source in [*map(_source, TRICKY_HEADERS + ONE_PASS_HEADERS), *_bench_sources()]:
        module, functions, text = _parsed(source)
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        provider = wrapper.resolve(PositionProvider)
        by_id = {id(node): node for node in provider}
        defs = facts_module._paired_defs(functions, facts_module._python_tree(text))
        from_ast = facts_module._positions_from_ast(functions, defs, facts_module._Lines(text))
        for key, position in from_ast.items():
            start = provider[by_id[key]].start
            assert position == (start.line, start.column + 1), (source.text, by_id[key])


DOCSTRINGS = [
    '"""Module."""\nasync def a(ctx):\n    """One line."""\n',
    "async def b(ctx):\n    '''\n    Indented\n      more\n\n    '''\n",
    'async def c(ctx):\n    r"""Raw \\d+."""\n',
    "async def d(ctx):\n    \"Concatenated \" 'docstring'\n",
    'async def e(ctx):\n    b"bytes are no docstring"\n',
    'async def f(ctx):\n    """Escapes: \\t \\u00e9 \\N{BULLET} \\\\."""\n',
    'async def g(ctx):\n    f"f-strings are no docstring"\n',
    'async def h(ctx):\n    """"""\n',
    "async def i(ctx):\n    x = 1\n    '''not first'''\n",
    'async def j(ctx): "on the def line"\n',
]


@pytest.mark.parametrize("text", DOCSTRINGS)
def test_docstrings_from_ast_are_libcsts(text: str) -> None:
    source = _source(text)
    module, functions, _ = _parsed(source)
    facts = collect_facts(source)
    assert facts.docstring == (module.get_docstring(clean=True) or None)
    assert [f.docstring for f in facts.functions] == [
        node.get_docstring(clean=True) or None for node in functions
    ]


def test_ordinary_modules_generate_no_header(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_generation(*args: object) -> None:
        raise AssertionError("a header was generated")

    monkeypatch.setattr(facts_module, "_positions_from_one_pass", no_generation)
    monkeypatch.setattr(facts_module, "_positions_from_each_header", no_generation)
    for source in _bench_sources():
        collect_facts(source)


def _parsed(source: SourceFile) -> Tuple[cst.Module, List[cst.FunctionDef], str]:
    module = cst.parse_module(source.text)
    collector = facts_module._Collector(source)
    collector.block(module.body)
    return module, collector.function_nodes, source.text


def test_positions_match_on_the_benchmark_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    for source in _bench_sources():
        fast = collect_facts(source)
        assert fast == _collect_with_positions_from_the_provider(source, monkeypatch), source.text


def test_header_positions_do_not_fall_back_to_the_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_provider(*args: object, **kwargs: object) -> None:
        raise AssertionError("PositionProvider was used")

    monkeypatch.setattr(MetadataWrapper, "resolve", no_provider)
    for text in TRICKY_HEADERS:
        collect_facts(_source(text))
    for source in _bench_sources():
        collect_facts(source)


def _globals(text: str) -> Tuple[List[str], List[str]]:
    module_facts = collect_facts(_source(text))
    return sorted(b.local for b in module_facts.bindings), sorted(module_facts.other_globals)


def test_module_scope_reaches_into_blocks_but_not_bodies() -> None:
    bindings, others = _globals(
        """
        import a.b
        from . import rel
        try:
            from fast import Json
        except ImportError as missing:
            Json = dict
        with open("f") as (fh, other):
            Inside = int
        for item, *rest in []:
            pass
        while False:
            Looped = 1
        else:
            Done = 2
        match thing:
            case {"k": [first, *others], **extra} if first:
                pass
            case Point(x=px) | other_pattern:
                pass
        def f():
            import local_only
            Local = 1
        class K:
            Attr = 1
        type Alias = int
        """
    )
    assert bindings == [
        "Alias",
        "Done",
        "Inside",
        "Json",
        "Json",
        "K",
        "Looped",
        "a",
        "f",
        "rel",
    ]
    assert others == [
        "extra",
        "fh",
        "first",
        "item",
        "missing",
        "other",
        "other_pattern",
        "others",
        "px",
        "rest",
    ]


def test_walrus_and_global_bind_module_names() -> None:
    _, others = _globals(
        """
        if (found := lookup()):
            pass
        values = [y for x in [] if (y := x)]
        def setter():
            global Configured
            Configured = 1
            inner = (z := 2)
        lam = lambda: (w := 1)
        """
    )
    assert others == ["Configured", "found", "y"]


def test_type_checking_blocks() -> None:
    module_facts = collect_facts(
        _source(
            """
            import typing
            if typing.TYPE_CHECKING:
                from a import A
            elif other:
                from b import B
            else:
                from c import C
            if not TYPE_CHECKING:
                from d import D
            else:
                from e import E
            """
        )
    )
    checking = {b.local: b.type_checking for b in module_facts.bindings}
    assert checking == {
        "typing": False,
        "A": True,
        "B": False,
        "C": False,
        "D": False,
        "E": True,
    }
