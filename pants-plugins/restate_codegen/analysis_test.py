from __future__ import annotations

import textwrap
from typing import Any, Optional, Tuple

import pytest

from restate_codegen.analysis import analyze_component
from restate_codegen.model import (
    ANY_TYPE,
    NONE_TYPE,
    AnalysisResult,
    Component,
    ComponentKind,
    ComponentOptions,
    Diagnostic,
    HandlerKind,
    HandlerOptions,
    ImportedName,
    RetryPolicy,
    SourceFile,
    SourceLocation,
    TypeRef,
)

PATH = "src/python/app/user/handlers.py"
MODULE = "app.user.handlers"


def source(text: str, path: str = PATH, module: str = MODULE) -> SourceFile:
    return SourceFile(path=path, module=module, text=textwrap.dedent(text).lstrip("\n"))


def analyze(*sources: SourceFile, name: str = "UserManager") -> AnalysisResult:
    return analyze_component(name, sources)


def component(text: str, **kwargs: str) -> Component:
    result = analyze(source(text, **kwargs))
    assert result.diagnostics == ()
    assert result.component is not None
    assert result.ok
    return result.component


def diagnostic(*sources: SourceFile, name: str = "UserManager") -> Diagnostic:
    result = analyze(*sources, name=name)
    assert result.component is None
    assert len(result.diagnostics) == 1, result.diagnostics
    return result.diagnostics[0]


def diagnostic_in(text: str) -> Diagnostic:
    return diagnostic(source(text))


def at(d: Diagnostic) -> Tuple[int, int]:
    return d.location.line, d.location.column


def name(local: str, module: str, attribute: Optional[str], own: bool = False) -> ImportedName:
    return ImportedName(local, module, attribute, from_handler_module=own)


# Inference: handler kinds and the ways people import the context types.


@pytest.mark.parametrize(
    "context, kind, component_kind",
    [
        ("Context", HandlerKind.SERVICE, ComponentKind.SERVICE),
        ("ObjectContext", HandlerKind.EXCLUSIVE, ComponentKind.VIRTUAL_OBJECT),
        ("ObjectSharedContext", HandlerKind.SHARED, ComponentKind.VIRTUAL_OBJECT),
    ],
)
def test_kind_from_context_annotation(
    context: str, kind: HandlerKind, component_kind: ComponentKind
) -> None:
    result = component(
        f"""
        from restate import {context}

        async def greet(ctx: {context}, req: str) -> str:
            return req
        """
    )
    assert result.kind is component_kind
    assert result.name == "UserManager"
    [handler] = result.handlers
    assert handler.name == "greet"
    assert handler.module == MODULE
    assert handler.kind is kind
    assert handler.request == TypeRef("str")
    assert handler.response == TypeRef("str")
    assert handler.location == SourceLocation(PATH, 3, 11)


def test_workflow_kinds() -> None:
    result = component(
        """
        from restate import WorkflowContext, WorkflowSharedContext

        async def run(ctx: WorkflowContext, req: str) -> str:
            return req

        async def status(ctx: WorkflowSharedContext) -> str:
            return "ok"
        """
    )
    assert result.kind is ComponentKind.WORKFLOW
    assert [(h.name, h.kind) for h in result.handlers] == [
        ("run", HandlerKind.WORKFLOW_MAIN),
        ("status", HandlerKind.WORKFLOW_SHARED),
    ]
    assert result.main_handler is not None and result.main_handler.name == "run"


def test_import_restate_module_attribute() -> None:
    result = component(
        """
        import restate

        async def add(ctx: restate.ObjectContext, req: int) -> int:
            return req
        """
    )
    assert result.handlers[0].kind is HandlerKind.EXCLUSIVE


def test_aliased_context_class() -> None:
    result = component(
        """
        from restate import ObjectContext as OC, ObjectSharedContext as OSC

        async def add(ctx: OC, req: int) -> int:
            return req

        async def get(ctx: OSC) -> int:
            return 1
        """
    )
    assert [h.kind for h in result.handlers] == [HandlerKind.EXCLUSIVE, HandlerKind.SHARED]


def test_aliased_restate_module() -> None:
    result = component(
        """
        import restate as r

        async def run(ctx: r.WorkflowContext) -> None:
            pass
        """
    )
    assert result.handlers[0].kind is HandlerKind.WORKFLOW_MAIN


def test_context_from_restate_context_module() -> None:
    result = component(
        """
        from restate.context import ObjectContext

        async def add(ctx: ObjectContext) -> None:
            pass
        """
    )
    assert result.handlers[0].kind is HandlerKind.EXCLUSIVE


def test_string_annotations() -> None:
    result = component(
        """
        import restate
        from restate import ObjectContext as OC

        async def a(ctx: "OC") -> None:
            pass

        async def b(ctx: 'restate.ObjectSharedContext', req: "list[int]") -> "int | None":
            return 1
        """
    )
    assert [h.kind for h in result.handlers] == [HandlerKind.EXCLUSIVE, HandlerKind.SHARED]
    assert result.handlers[1].request == TypeRef("list[int]")
    assert result.handlers[1].response == TypeRef("int | None")


def test_string_workflow_context_with_import_restate() -> None:
    result = component(
        """
        import restate

        async def run(ctx: "restate.WorkflowContext") -> None:
            pass
        """
    )
    assert result.handlers[0].kind is HandlerKind.WORKFLOW_MAIN


def test_future_annotations() -> None:
    result = component(
        """
        from __future__ import annotations

        from restate import Context

        async def greet(ctx: Context, req: str | None) -> list[str]:
            return []
        """
    )
    handler = result.handlers[0]
    assert handler.request == TypeRef("str | None")
    assert handler.response == TypeRef("list[str]")


def test_python_312_syntax_is_read() -> None:
    result = component(
        """
        from restate import Context

        type Names = list[str]

        class Box[T]:
            item: T

        async def greet(ctx: Context, req: Names) -> str:
            match req:
                case [first, *_]:
                    return first
            return ""
        """
    )
    assert result.handlers[0].request == TypeRef("Names", (name("Names", MODULE, "Names", True),))


# Inference: what is not a handler.


def test_non_handlers_are_ignored() -> None:
    result = component(
        """
        from restate import Context

        async def handler(ctx: Context) -> None:
            async def nested(ctx: Context) -> None:
                pass

        async def _private(ctx: Context) -> None:
            pass

        def _sync_private(ctx: Context) -> None:
            pass

        async def no_context(x: int) -> int:
            return x

        async def context_second(x: int, ctx: Context) -> int:
            return x

        async def unannotated(ctx):
            return 1

        def plain(x: int) -> int:
            return x

        class Thing:
            async def method(self, ctx: Context) -> None:
                pass

            async def method2(ctx: Context) -> None:
                pass
        """
    )
    assert [h.name for h in result.handlers] == ["handler"]


def test_handler_without_request() -> None:
    handler = component(
        """
        from restate import Context

        async def ping(ctx: Context) -> str:
            return "pong"
        """
    ).handlers[0]
    assert handler.request is None
    assert handler.response == TypeRef("str")


def test_missing_return_annotation_means_none() -> None:
    result = component(
        """
        from restate import Context

        async def a(ctx: Context):
            pass

        async def b(ctx: Context):
            return None

        async def c(ctx: Context):
            def inner():
                return 1
            return
        """
    )
    assert [h.response for h in result.handlers] == [NONE_TYPE] * 3


def test_explicit_none_return() -> None:
    handler = component(
        """
        from restate import Context

        async def a(ctx: Context) -> None:
            pass
        """
    ).handlers[0]
    assert handler.response == NONE_TYPE


def test_positional_only_parameters_are_accepted() -> None:
    handler = component(
        """
        from restate import Context

        async def greet(ctx: Context, req: str, /) -> str:
            return req
        """
    ).handlers[0]
    assert handler.request == TypeRef("str")


# Inference: request and response types.


def test_pydantic_model_imported_from_another_package() -> None:
    handler = component(
        """
        from restate import Context
        from app.models import SignupRequest, SignupResponse as Resp

        async def signup(ctx: Context, req: SignupRequest) -> Resp:
            ...
        """
    ).handlers[0]
    assert handler.request == TypeRef(
        "SignupRequest", (name("SignupRequest", "app.models", "SignupRequest"),)
    )
    assert handler.response == TypeRef("Resp", (name("Resp", "app.models", "SignupResponse"),))


def test_dataclass_and_msgspec_defined_in_the_handler_module() -> None:
    handler = component(
        """
        from dataclasses import dataclass

        import msgspec
        from restate import Context

        @dataclass
        class Request:
            name: str

        class Response(msgspec.Struct):
            greeting: str

        async def greet(ctx: Context, req: Request) -> Response:
            ...
        """
    ).handlers[0]
    assert handler.request == TypeRef("Request", (name("Request", MODULE, "Request", True),))
    assert handler.response == TypeRef("Response", (name("Response", MODULE, "Response", True),))


@pytest.mark.parametrize(
    "annotation, expected",
    [
        ("int", "int"),
        ("Optional[Item]", "Optional[Item]"),
        ("Item | None", "Item | None"),
        ("list[Item]", "list[Item]"),
        ("dict[str, Item]", "dict[str, Item]"),
        ("typing.List[Item]", "typing.List[Item]"),
        ("Optional[  Item ]", "Optional[Item]"),
        ("(\n    Item\n    | None  # comment\n)", "(Item | None)"),
        ("'Item'", "Item"),
        ("list['Item']", "list[Item]"),
        ("Literal['a', \"b\"] | Item", "Literal['a', \"b\"] | Item"),
        ("Annotated[Item, 'meta']", "Annotated[Item, 'meta']"),
        ("tuple[Item, ...]", "tuple[Item, ...]"),
    ],
)
def test_type_sources_are_normalised(annotation: str, expected: str) -> None:
    module = (
        "import typing\n"
        "from typing import Annotated, Literal, Optional\n"
        "from restate import Context\n"
        "from app.models import Item\n"
        f"async def h(ctx: Context, req: {annotation}) -> None:\n"
        "    pass\n"
    )
    handler = component(module).handlers[0]
    assert handler.request is not None
    assert handler.request.source == expected


def test_imported_names_sorted_and_deduplicated() -> None:
    handler = component(
        """
        import typing
        from typing import Optional
        from restate import Context
        from app.models import Zed, Alpha

        async def h(ctx: Context, req: dict[Zed, typing.List[Optional[Alpha]]]) -> Zed | Zed:
            ...
        """
    ).handlers[0]
    assert handler.request == TypeRef(
        "dict[Zed, typing.List[Optional[Alpha]]]",
        (
            name("Alpha", "app.models", "Alpha"),
            name("Optional", "typing", "Optional"),
            name("Zed", "app.models", "Zed"),
            name("typing", "typing", None),
        ),
    )
    assert handler.response == TypeRef("Zed | Zed", (name("Zed", "app.models", "Zed"),))


def test_module_imports() -> None:
    handler = component(
        """
        import app.models
        import app.other.types as t
        from restate import Context

        async def h(ctx: Context, req: app.models.Req) -> t.Resp:
            ...
        """
    ).handlers[0]
    assert handler.request == TypeRef("app.models.Req", (name("app", "app.models", None),))
    assert handler.response == TypeRef("t.Resp", (name("t", "app.other.types", None),))


def test_relative_imports_from_a_plain_module() -> None:
    handler = component(
        """
        from restate import Context
        from .models import Req
        from ..shared.types import Resp
        from . import extra

        async def h(ctx: Context, req: Req) -> dict[Resp, extra.Thing]:
            ...
        """
    ).handlers[0]
    assert handler.request == TypeRef("Req", (name("Req", "app.user.models", "Req"),))
    assert handler.response == TypeRef(
        "dict[Resp, extra.Thing]",
        (name("Resp", "app.shared.types", "Resp"), name("extra", "app.user", "extra")),
    )


def test_relative_imports_from_an_init_module() -> None:
    handler = component(
        """
        from restate import Context
        from .models import Req

        async def h(ctx: Context, req: Req) -> None:
            ...
        """,
        path="src/python/app/user/__init__.py",
        module="app.user",
    ).handlers[0]
    assert handler.request == TypeRef("Req", (name("Req", "app.user.models", "Req"),))


def test_names_from_another_handler_module_of_the_component() -> None:
    types = source(
        """
        from pydantic import BaseModel
        from restate import Context

        class Req(BaseModel):
            name: str

        async def first(ctx: Context, req: Req) -> None:
            ...
        """,
        path="src/python/app/user/a.py",
        module="app.user.a",
    )
    users = source(
        """
        from restate import Context
        from .a import Req
        from app.user import a
        from app.models import Other

        async def second(ctx: Context, req: Req) -> dict[a.Req, Other]:
            ...
        """,
        path="src/python/app/user/b.py",
        module="app.user.b",
    )
    result = analyze(users, types)
    assert result.component is not None
    first, second = result.component.handlers
    assert first.request == TypeRef("Req", (name("Req", "app.user.a", "Req", True),))
    assert second.request == TypeRef("Req", (name("Req", "app.user.a", "Req", True),))
    assert second.response == TypeRef(
        "dict[a.Req, Other]",
        (name("Other", "app.models", "Other"), name("a", "app.user", "a", True)),
    )


def test_runtime_import_wins_over_type_checking_import() -> None:
    handler = component(
        """
        from typing import TYPE_CHECKING
        from restate import Context
        from app.models import Req
        if TYPE_CHECKING:
            from app.models import Req

        async def h(ctx: Context, req: Req) -> None:
            ...
        """
    ).handlers[0]
    assert handler.request == TypeRef("Req", (name("Req", "app.models", "Req"),))


def test_module_globals_bound_by_other_statements() -> None:
    handler = component(
        """
        from restate import Context
        with open("x") as Handle:
            pass

        async def h(ctx: Context, req: Handle) -> None:
            ...
        """
    ).handlers[0]
    assert handler.request == TypeRef("Handle", (name("Handle", MODULE, "Handle", True),))


# Inference: the component.


def test_docstrings() -> None:
    first = source(
        '''
        """The first module.

        Detail.
            Indented detail.
        """
        from restate import Context

        async def a(ctx: Context) -> None:
            """Do a.

            More about a.
            """
        ''',
        path="src/python/app/a.py",
        module="app.a",
    )
    second = source(
        '''
        """The second module."""
        from restate import Context

        async def b(ctx: Context) -> None:
            pass
        ''',
        path="src/python/app/b.py",
        module="app.b",
    )
    third = source("x = 1\n", path="src/python/app/c.py", module="app.c")
    result = analyze(third, second, first)
    assert result.component is not None
    assert result.component.docstring == (
        "The first module.\n\nDetail.\n    Indented detail.\n\nThe second module."
    )
    a, b = result.component.handlers
    assert a.docstring == "Do a.\n\nMore about a."
    assert b.docstring is None


def test_no_docstrings() -> None:
    result = component(
        """
        from restate import Context

        async def a(ctx: Context) -> None:
            pass
        """
    )
    assert result.docstring is None


def test_options_are_passed_through() -> None:
    options = ComponentOptions(description="d", inactivity_timeout=1.5, ingress_private=True)
    text = "from restate import Context\nasync def a(ctx: Context) -> None: ...\n"
    result = analyze_component("Svc", [source(text)], options)
    assert result.component is not None
    assert result.component.options == options
    assert analyze_component("Svc", [source(text)]).component is not None


def test_handlers_in_path_and_line_order() -> None:
    text = "from restate import Context\n\nasync def {0}(ctx: Context) -> None: ...\n"
    b = source(text.format("b1") + text.format("b2"), path="p/b.py", module="p.b")
    a = source(text.format("a1"), path="p/a.py", module="p.a")
    result = analyze(b, a)
    assert result.component is not None
    assert [h.name for h in result.component.handlers] == ["a1", "b1", "b2"]
    assert [s.path for s in result.component.sources] == ["p/a.py", "p/b.py"]
    assert [(h.location.path, h.location.line) for h in result.component.handlers] == [
        ("p/a.py", 3),
        ("p/b.py", 3),
        ("p/b.py", 6),
    ]


# Diagnostics.


def test_syntax_error() -> None:
    d = diagnostic_in(
        """
        from restate import Context

        async def greet(ctx: Context, req: str -> str:
            return req
        """
    )
    assert d.location.path == PATH
    assert d.location.line == 3
    assert d.location.column >= 1
    assert d.message.startswith("syntax error")
    assert "syntax" in d.hint


def test_syntax_error_at_end_of_file() -> None:
    d = diagnostic_in("from restate import Context\nasync def f(ctx: Context")
    assert d.message.startswith("syntax error")
    assert 1 <= d.location.line <= 3


def test_syntax_error_in_one_module_means_no_component() -> None:
    good = source("from restate import Context\nasync def a(ctx: Context) -> None: ...\n")
    bad = source("def (:\n", path="src/python/app/user/z.py", module="app.user.z")
    d = diagnostic(good, bad)
    assert d.location == SourceLocation("src/python/app/user/z.py", 1, 5)


def test_sync_def_with_context() -> None:
    d = diagnostic_in(
        """
        from restate import Context

        def greet(ctx: Context, req: str) -> str:
            return req
        """
    )
    assert at(d) == (3, 5)
    assert "greet" in d.message and "plain `def`" in d.message
    assert "async def greet" in d.hint


def test_mixed_component_kinds() -> None:
    d = diagnostic_in(
        """
        from restate import Context, ObjectContext

        async def a(ctx: Context) -> None:
            pass

        async def b(ctx: ObjectContext) -> None:
            pass
        """
    )
    assert at(d) == (6, 11)
    assert "more than one component kind" in d.message
    assert "`a` (Context) makes it a service" in d.message
    assert "`b` (ObjectContext) belongs to a virtual object" in d.message


def test_mixed_kinds_across_modules() -> None:
    a = source("from restate import Context\nasync def a(ctx: Context) -> None: ...\n")
    b = source(
        "from restate import WorkflowContext\nasync def b(ctx: WorkflowContext) -> None: ...\n",
        path="src/python/app/user/z.py",
        module="app.user.z",
    )
    d = diagnostic(a, b)
    assert d.location == SourceLocation("src/python/app/user/z.py", 2, 11)
    assert "belongs to a workflow" in d.message


def test_workflow_without_main() -> None:
    d = diagnostic_in(
        """
        from restate import WorkflowSharedContext

        async def status(ctx: WorkflowSharedContext) -> None:
            pass
        """
    )
    assert at(d) == (3, 11)
    assert "no main handler" in d.message
    assert "WorkflowContext" in d.hint


def test_workflow_with_several_mains() -> None:
    result = analyze(
        source(
            """
            from restate import WorkflowContext

            async def run(ctx: WorkflowContext) -> None:
                pass

            async def run2(ctx: WorkflowContext) -> None:
                pass

            async def run3(ctx: WorkflowContext) -> None:
                pass
            """
        )
    )
    assert result.component is None
    assert [at(d) for d in result.diagnostics] == [(6, 11), (9, 11)]
    assert "more than one main handler: `run2` and `run`" in result.diagnostics[0].message


def test_more_than_two_parameters() -> None:
    d = diagnostic_in(
        """
        from restate import Context

        async def h(ctx: Context, a: int, b: int) -> None:
            pass
        """
    )
    assert at(d) == (3, 35)
    assert "more than two parameters" in d.message and "`b`" in d.message


@pytest.mark.parametrize(
    "params, column, text",
    [
        ("ctx: Context, *args: int", 28, "`*args`"),
        ("ctx: Context, **kwargs: int", 29, "`**kwargs`"),
        ("ctx: Context, *, req: int", 30, "keyword-only parameter `req`"),
        ("ctx: Context, req: int, *, other: int", 40, "keyword-only parameter `other`"),
        ("*, ctx: Context", 16, "context as a keyword-only parameter"),
    ],
)
def test_star_and_keyword_only_parameters(params: str, column: int, text: str) -> None:
    d = diagnostic_in(f"from restate import Context\nasync def h({params}) -> None: ...\n")
    assert at(d) == (2, column)
    assert text in d.message
    assert "`(ctx)` or `(ctx, req: RequestType)`" in d.hint


def test_unannotated_request_is_any() -> None:
    handler = component(
        "from restate import Context\nasync def h(ctx: Context, req) -> None: ...\n"
    )
    assert handler.handlers[0].request == ANY_TYPE
    assert ANY_TYPE == TypeRef("Any", (name("Any", "typing", "Any"),))


def test_default_value_on_request() -> None:
    d = diagnostic_in(
        "from restate import Context\nasync def h(ctx: Context, req: int = 1) -> None: ...\n"
    )
    assert at(d) == (2, 27)
    assert "has a default value" in d.message
    assert "Optional" in d.hint


def test_unannotated_response_returning_a_value_is_any() -> None:
    c = component("from restate import Context\nasync def h(ctx: Context, req):\n    return req\n")
    assert (c.handlers[0].request, c.handlers[0].response) == (ANY_TYPE, ANY_TYPE)


def test_other_diagnostics_stay_with_unannotated_handlers() -> None:
    d = diagnostic_in("from restate import Context\ndef h(ctx: Context, req):\n    return req\n")
    assert "plain `def`" in d.message


def test_duplicate_handler_names_across_modules() -> None:
    text = "from restate import Context\n\nasync def greet(ctx: Context) -> None: ...\n"
    a = source(text, path="src/a.py", module="a")
    b = source(text, path="src/b.py", module="b")
    d = diagnostic(b, a)
    assert d.location == SourceLocation("src/b.py", 3, 11)
    assert "duplicate handler name `greet`: already defined at src/a.py:3:11" in d.message


def test_duplicate_handler_names_in_one_module() -> None:
    text = "from restate import Context\nasync def g(ctx: Context) -> None: ...\n"
    d = diagnostic_in(text + text)
    assert at(d) == (4, 11)


@pytest.mark.parametrize("guard", ["TYPE_CHECKING", "typing.TYPE_CHECKING"])
def test_types_only_imported_under_type_checking(guard: str) -> None:
    d = diagnostic_in(
        f"""
        import typing
        from typing import TYPE_CHECKING
        from restate import Context
        if {guard}:
            from app.models import Req

        async def h(ctx: Context, req: Optional[Req]) -> None:
            pass
        from typing import Optional
        """
    )
    assert at(d) == (7, 41)
    assert "`Req` is only imported under `if TYPE_CHECKING:`" in d.message
    assert "runtime" in d.hint


def test_response_only_imported_under_type_checking_string() -> None:
    d = diagnostic_in(
        """
        from typing import TYPE_CHECKING
        from restate import Context
        if not TYPE_CHECKING:
            pass
        else:
            from app.models import Resp

        async def h(ctx: Context) -> "list[Resp]":
            return []
        """
    )
    assert at(d) == (8, 30)
    assert "`Resp` is only imported" in d.message


def test_context_only_imported_under_type_checking() -> None:
    d = diagnostic_in(
        """
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from restate import Context

        async def h(ctx: "Context") -> None:
            pass
        """
    )
    assert at(d) == (5, 18)
    assert "`Context` is only imported" in d.message


# What restate-server 1.7.12 accepts and rejects (probed on a real server).
@pytest.mark.parametrize(
    "good",
    [
        "account",
        "order-workflow",
        "machine_operator",
        "Order.Service",
        "a",
        "_private",
        "_1",
        "a.b-c_d",
        "class",
        "myrestate",
        "openapiX",
        "x" * 2000,
    ],
)
def test_component_names_restate_accepts(good: str) -> None:
    text = "from restate import Context\nasync def a(ctx: Context) -> None: ...\n"
    assert analyze(source(text), name=good).ok


@pytest.mark.parametrize(
    "bad, why",
    [
        ("1abc", "must start with a letter"),
        ("-lead", "must start with a letter"),
        ("with space", "must start with a letter"),
        ("naïve", "must start with a letter"),
        ("a/b", "must start with a letter"),
        ("a:b", "must start with a letter"),
        ("dollar$", "must start with a letter"),
        ("__x", "must start with a letter"),
        ("", "must start with a letter"),
        ("restate", "start with 'restate'"),
        ("RESTATEx", "start with 'restate'"),
        ("restateFoo", "start with 'restate'"),
        ("openapi", "'openapi'"),
        ("OpenAPI", "'openapi'"),
    ],
)
def test_component_names_restate_rejects(bad: str, why: str) -> None:
    text = "from restate import Context\nasync def a(ctx: Context) -> None: ...\n"
    d = diagnostic(source(text), name=bad)
    assert d.location == SourceLocation(PATH, 1, 1)
    assert d.message.startswith("invalid component name: ")
    assert why in d.message and repr(bad) in d.message
    assert "service_name" in d.hint


def test_invalid_handler_name() -> None:
    d = diagnostic_in("from restate import Context\nasync def grüße(ctx: Context) -> None: ...\n")
    assert at(d) == (2, 11)
    assert "invalid handler name" in d.message and "'grüße'" in d.message
    assert "`handlers` field" in d.hint


def test_camel_case_function_names_are_handler_names() -> None:
    c = component("from restate import Context\nasync def addTicket(ctx: Context) -> None: ...\n")
    assert c.handlers[0].name == c.handlers[0].function_name == "addTicket"


def renaming(text: str, **names: str) -> AnalysisResult:
    handlers = tuple(sorted((f, HandlerOptions(name=n)) for f, n in names.items()))
    return analyze_component("Shop", [source(text)], ComponentOptions(handlers=handlers))


TWO_HANDLERS = """
    from restate import Context

    async def add_ticket(ctx: Context, req: str) -> bool: ...

    async def mark_as_sold(ctx: Context) -> None: ...
    """


def test_handlers_field_renames_a_handler() -> None:
    result = renaming(TWO_HANDLERS, add_ticket="addTicket")
    assert result.ok and result.component is not None
    add, mark = result.component.handlers
    assert (add.name, add.function_name, add.function) == ("addTicket", "add_ticket", "add_ticket")
    assert (mark.name, mark.function_name, mark.function) == ("mark_as_sold", "mark_as_sold", "")


def test_handlers_field_names_an_unknown_function() -> None:
    result = renaming(TWO_HANDLERS, add_tickets="addTicket")
    (d,) = result.diagnostics
    assert d.location == SourceLocation(PATH, 1, 1)
    assert "names `add_tickets`, which is not a handler function" in d.message
    assert "`add_ticket`, `mark_as_sold`" in d.message


def test_handlers_field_is_not_blamed_for_a_syntax_error() -> None:
    (d,) = renaming(TWO_HANDLERS + "def (:\n", add_ticket="addTicket").diagnostics
    assert d.message.startswith("syntax error")


def test_handlers_field_duplicate_after_renaming() -> None:
    (d,) = renaming(TWO_HANDLERS, add_ticket="mark_as_sold").diagnostics
    assert at(d) == (5, 11)
    assert "duplicate handler name `mark_as_sold`: already defined at" in d.message
    assert "`handlers` field" in d.hint


def test_handlers_field_name_restate_rejects() -> None:
    (d,) = renaming(TWO_HANDLERS, add_ticket="add-ticket").diagnostics
    assert at(d) == (3, 11)
    assert "'add-ticket'" in d.message
    assert "change the `name`" in d.hint


@pytest.mark.parametrize("reserved", ["send", "from_context"])
def test_reserved_handler_names(reserved: str) -> None:
    d = diagnostic_in(
        f"from restate import Context\nasync def {reserved}(ctx: Context) -> None: ...\n"
    )
    assert at(d) == (2, 11)
    assert "clashes with a method of the generated clients" in d.message


def test_reserved_workflow_handler_names() -> None:
    d = diagnostic_in(
        """
        from restate import WorkflowContext, WorkflowSharedContext
        async def run(ctx: WorkflowContext) -> None: ...
        async def output(ctx: WorkflowSharedContext) -> None: ...
        """
    )
    assert at(d) == (3, 11)
    text = "from restate import Context\nasync def output(ctx: Context) -> None: ...\n"
    assert analyze(source(text)).ok


def test_no_handlers() -> None:
    d = diagnostic_in(
        """
        import restate

        async def helper(x: int) -> int:
            return x
        """
    )
    assert d.location == SourceLocation(PATH, 1, 1)
    assert "no Restate handlers" in d.message
    assert "annotate the first parameter with a restate context type" in d.hint


def test_no_sources() -> None:
    d = diagnostic()
    assert d.location == SourceLocation("<no sources>", 1, 1)
    assert "no Restate handlers" in d.message


def test_undefined_type_name() -> None:
    d = diagnostic_in(
        "from restate import Context\nasync def h(ctx: Context, req: list[Missing]) -> None: ...\n"
    )
    assert at(d) == (2, 37)
    assert "undefined name `Missing`" in d.message
    assert "import `Missing`" in d.hint


def test_undefined_name_with_star_import() -> None:
    d = diagnostic_in(
        "from restate import Context\nfrom app.models import *\n"
        "async def h(ctx: Context) -> Missing: ...\n"
    )
    assert at(d) == (3, 30)
    assert "`from app.models import *`" in d.message


def test_context_class_not_imported() -> None:
    d = diagnostic_in("import restate\nasync def h(ctx: ObjectContext) -> None: ...\n")
    assert at(d) == (2, 18)
    assert "undefined name `ObjectContext`" in d.message


def test_relative_import_beyond_top_level_package() -> None:
    d = diagnostic_in(
        "from restate import Context\nfrom ....x import Req\n"
        "async def h(ctx: Context, req: Req) -> None: ...\n"
    )
    assert at(d) == (3, 32)
    assert "beyond the top-level package" in d.message


def test_invalid_string_annotation() -> None:
    d = diagnostic_in("from restate import Context\nasync def h(ctx: Context) -> 'list[': ...\n")
    assert at(d) == (2, 30)
    assert "'list[' is not a valid Python expression" in d.message


def test_one_bad_handler_means_no_partial_output() -> None:
    result = analyze(
        source(
            """
            from restate import Context

            async def good(ctx: Context) -> None:
                pass

            async def bad(ctx: Context, a: int, b: int) -> None:
                pass
            """
        )
    )
    assert result.component is None
    assert not result.ok
    assert len(result.diagnostics) == 1


def test_diagnostics_are_sorted_and_all_reported() -> None:
    result = analyze(
        source(
            """
            from restate import Context

            def a(ctx: Context) -> None:
                pass

            async def b(ctx: Context, req: int = 1) -> Missing:
                pass
            """
        ),
        name="bad name",
    )
    assert result.component is None
    assert [(d.location.line, d.location.column) for d in result.diagnostics] == [
        (1, 1),
        (3, 5),
        (6, 27),
        (6, 44),
    ]


def test_null_byte_is_a_syntax_error() -> None:
    d = diagnostic_in("from restate import Context\nx = 'a\x00'\n")
    assert at(d) == (2, 7)
    assert "null bytes" in d.message


def test_invalid_escape_in_a_docstring_is_a_syntax_error() -> None:
    d = diagnostic_in(
        'from restate import Context\nasync def h(ctx: Context) -> None:\n    "\\N{nope}"\n'
    )
    assert at(d) == (3, 5)
    assert "invalid string literal" in d.message


def test_invalid_escape_in_a_string_annotation_is_a_syntax_error() -> None:
    d = diagnostic_in(
        'from restate import Context\nasync def h(ctx: Context, req: "\\N{x}") -> None: ...\n'
    )
    assert at(d) == (2, 32)
    assert "invalid string literal" in d.message


def test_identifier_that_python_rejects_is_a_syntax_error() -> None:
    # U+2EBF0 (Unicode 15.1) makes an identifier for libcst's parser, not for Python < 3.13.
    identifier = "a\U0002ebf0"
    result = analyze(source(f"x = 1\ny = {identifier}\n"))
    if identifier.isidentifier():
        assert "no Restate handlers" in result.diagnostics[0].message
        return
    [d] = result.diagnostics
    assert at(d) == (2, 5)
    assert "is not a valid identifier" in d.message


def test_a_broken_handler_still_counts_for_the_component_checks() -> None:
    d = diagnostic_in(
        """
        from restate import WorkflowContext, WorkflowSharedContext

        async def run(ctx: WorkflowContext, a: int, b: int) -> None:
            pass

        async def status(ctx: WorkflowSharedContext) -> None:
            pass
        """
    )
    assert "more than two parameters" in d.message


def test_workflow_main_handler_may_have_any_name() -> None:
    c = component(
        """
        from restate import WorkflowContext, WorkflowSharedContext

        async def pay(ctx: WorkflowContext, amount: int) -> str: ...

        async def status(ctx: WorkflowSharedContext) -> str: ...
        """
    )
    assert c.main_handler is not None and c.main_handler.name == "pay"


# Options that depend on the component's kind, or a handler's.

WORKFLOW = """
    from restate import WorkflowContext, WorkflowSharedContext

    async def pay(ctx: WorkflowContext) -> None: ...

    async def status(ctx: WorkflowSharedContext) -> str: ...
    """
SERVICE = """
    from restate import Context

    async def greet(ctx: Context) -> None: ...
    """
OBJECT = """
    from restate import ObjectContext

    async def add(ctx: ObjectContext) -> None: ...
    """


def with_options(text: str, **options: Any) -> AnalysisResult:
    return analyze_component("Shop", [source(text)], ComponentOptions(**options))


def handler_settings(**settings: HandlerOptions) -> Tuple[Tuple[str, HandlerOptions], ...]:
    return tuple(sorted(settings.items()))


def test_every_option_fits_its_kind() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert with_options(
        WORKFLOW,
        workflow_retention=60.0,
        state_preload=False,
        invocation_retry_policy=policy,
        metadata=(("a", "b"),),
        handlers=handler_settings(
            pay=HandlerOptions(workflow_retention=1.0, journal_retention=0.0),
            status=HandlerOptions(idempotency_retention=5.0, state_preload=("x",)),
        ),
    ).ok
    assert with_options(OBJECT, enable_lazy_state=True).ok
    assert with_options(SERVICE, invocation_retry_policy=policy, ingress_private=True).ok


@pytest.mark.parametrize("text", [SERVICE, OBJECT])
def test_workflow_retention_on_a_component_that_is_not_a_workflow(text: str) -> None:
    (d,) = with_options(text, workflow_retention=60.0).diagnostics
    assert d.location == SourceLocation(PATH, 1, 1)
    assert "sets `workflow_retention`, but this component is a " in d.message
    assert "only for workflows" in d.message
    assert "remove `workflow_retention`" in d.hint


@pytest.mark.parametrize("setting", ["state_preload", "enable_lazy_state"])
def test_lazy_state_on_a_service(setting: str) -> None:
    (d,) = with_options(SERVICE, **{setting: False}).diagnostics
    assert f"sets `{setting}`, but this component is a service" in d.message


def test_both_state_options_on_the_target() -> None:
    (d,) = with_options(OBJECT, state_preload=True, enable_lazy_state=False).diagnostics
    assert "both `state_preload` and `enable_lazy_state`" in d.message


def test_workflow_retention_on_a_handler_that_is_not_the_main_one() -> None:
    handlers = handler_settings(status=HandlerOptions(workflow_retention=60.0))
    (d,) = with_options(WORKFLOW, handlers=handlers).diagnostics
    assert at(d) == (5, 11)  # the function `status`, file:line:col
    assert d.location.path == PATH
    assert "sets `workflow_retention` for `status`, a shared workflow handler" in d.message
    assert "only for a workflow's main handler" in d.message
    assert 'handlers["status"]' in d.hint
    handlers = handler_settings(add=HandlerOptions(workflow_retention=1.0))
    (d,) = with_options(OBJECT, handlers=handlers).diagnostics
    assert at(d) == (3, 11)


def test_idempotency_retention_on_the_workflow_main_handler() -> None:
    handlers = handler_settings(pay=HandlerOptions(idempotency_retention=60.0))
    (d,) = with_options(WORKFLOW, handlers=handlers).diagnostics
    assert at(d) == (3, 11)
    assert "sets `idempotency_retention` for `pay`, a workflow's main handler" in d.message


def test_lazy_state_on_a_service_handler() -> None:
    handlers = handler_settings(greet=HandlerOptions(state_preload=True))
    (d,) = with_options(SERVICE, handlers=handlers).diagnostics
    assert at(d) == (3, 11)
    assert "sets `state_preload` for `greet`, a service handler" in d.message


def test_option_problems_on_renamed_handlers_point_at_the_function() -> None:
    handlers = handler_settings(status=HandlerOptions(name="getStatus", workflow_retention=1.0))
    (d,) = with_options(WORKFLOW, handlers=handlers).diagnostics
    assert at(d) == (5, 11)
    assert "for `status`" in d.message


def test_a_public_handler_on_a_private_component() -> None:
    handlers = handler_settings(greet=HandlerOptions(ingress_private=False))
    (d,) = with_options(SERVICE, ingress_private=True, handlers=handlers).diagnostics
    assert at(d) == (3, 11)
    assert "Restate rejects a public handler on a private service" in d.message
    assert with_options(SERVICE, handlers=handlers).ok
    private = handler_settings(greet=HandlerOptions(ingress_private=True))
    assert with_options(SERVICE, ingress_private=True, handlers=private).ok
