"""Golden-file and property tests of the render step.

The sample handler modules under testdata/sample are analysed and rendered; the output must match
testdata/golden byte for byte. Regenerate with `UPDATE_GOLDEN=1 pytest render_test.py` and review
the diff. testdata/check_generated.sh proves the golden output against a real Restate server.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from restate_codegen.analysis import analyze_component
from restate_codegen.model import (
    NONE_TYPE,
    Component,
    ComponentKind,
    ComponentOptions,
    GeneratedFile,
    GeneratedModules,
    Handler,
    HandlerKind,
    HandlerOptions,
    ImportedName,
    RetryPolicy,
    SourceFile,
    SourceLocation,
    TypeRef,
)
from restate_codegen.names import COMPONENT_NAME, class_stem, component_name_problem
from restate_codegen.render import (
    RenderError,
    docstring,
    py_str,
    rename_names,
    render_component,
    render_deployment,
)

TESTDATA = Path(__file__).parent / "testdata"
SAMPLE = TESTDATA / "sample"
GOLDEN = TESTDATA / "golden"
SOURCE_ROOT = "src/python"

# (component name, handler files under sample/, package, target name, options)
SAMPLE_COMPONENTS: Sequence[Tuple[str, Sequence[str], str, str, ComponentOptions]] = (
    ("Email", ["app/mail/email_service.py"], "app.mail", "email", ComponentOptions()),
    (
        "User",
        ["app/users/user.py"],
        "app.users",
        "user",
        ComponentOptions(
            inactivity_timeout=60,
            abort_timeout=10.5,
            journal_retention=86400,
            idempotency_retention=3600,
        ),
    ),
    (
        "UserManager",
        ["app/users/user_manager.py"],
        "app.users",
        "user_manager",
        ComponentOptions(description="Signs users up and looks them up (target description)."),
    ),
    (
        "SignupFlow",
        ["app/users/signup_flow.py"],
        "app.users",
        "signup_flow",
        ComponentOptions(
            workflow_retention=604800,
            state_preload=False,
            metadata=(("team", "growth"),),
            handlers=(
                ("run", HandlerOptions(journal_retention=0, metadata=(("step", "main"),))),
                ("stage", HandlerOptions(state_preload=True)),
            ),
        ),
    ),
    (
        "ticket-office",
        ["app/shop/ticket_office.py"],
        "app.shop",
        "ticket-office",
        ComponentOptions(
            invocation_retry_policy=RetryPolicy(max_attempts=10, on_max_attempts="pause"),
            handlers=(
                (
                    "add_ticket",
                    HandlerOptions(
                        name="addTicket",
                        description="Adds a ticket (target description).",
                        inactivity_timeout=30,
                        idempotency_retention=600,
                        invocation_retry_policy=RetryPolicy(
                            initial_interval=0.1,
                            exponentiation_factor=2,
                            max_interval=10,
                            max_attempts=5,
                            on_max_attempts="kill",
                        ),
                    ),
                ),
            ),
        ),
    ),
)
DEPLOYMENT_MODULE = "app.deployment"


def sample_source(relative: str) -> SourceFile:
    return SourceFile(
        path=f"{SOURCE_ROOT}/{relative}",
        module=relative[: -len(".py")].replace("/", "."),
        text=(SAMPLE / relative).read_text(),
    )


def sample_components() -> List[Tuple[Component, GeneratedModules]]:
    out = []
    for name, files, package, target, options in SAMPLE_COMPONENTS:
        result = analyze_component(name, [sample_source(f) for f in files], options)
        assert result.ok, "\n".join(str(d) for d in result.diagnostics)
        assert result.component is not None
        out.append((result.component, GeneratedModules.for_target(package, target)))
    return out


def render_sample() -> Dict[str, str]:
    components = sample_components()
    files: List[GeneratedFile] = []
    for component, modules in components:
        files.extend(render_component(component, modules))
    files.append(render_deployment(DEPLOYMENT_MODULE, components))
    return {f.path: f.content for f in files}


def test_golden_files() -> None:
    rendered = render_sample()
    if os.environ.get("UPDATE_GOLDEN") == "1":
        if GOLDEN.exists():
            shutil.rmtree(GOLDEN)
        for path, content in rendered.items():
            (GOLDEN / path).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / path).write_text(content)
    golden = {
        p.relative_to(GOLDEN).as_posix(): p.read_text() for p in GOLDEN.rglob("*.py") if p.is_file()
    }
    assert sorted(golden) == sorted(rendered), "set UPDATE_GOLDEN=1 to regenerate"
    for path, content in rendered.items():
        assert content == golden[path], f"{path} differs; set UPDATE_GOLDEN=1 to regenerate"


def test_deterministic() -> None:
    assert render_sample() == render_sample()
    components = sample_components()
    forward = render_deployment(DEPLOYMENT_MODULE, components)
    backward = render_deployment(DEPLOYMENT_MODULE, list(reversed(components)))
    assert forward == backward


def test_headers_name_sources() -> None:
    for path, content in render_sample().items():
        assert content.startswith("# Generated by the restate_"), path
        assert "# Do not edit" in content.split('"""', 1)[0], path
    rendered = render_sample()
    assert (
        "#   src/python/app/users/signup_flow.py\n" in rendered["app/users/signup_flow_restate.py"]
    )


def _top_level_imports(tree: ast.Module) -> List[str]:
    modules: List[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.append(node.module)
            modules.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def test_clients_import_no_handler_module() -> None:
    rendered = render_sample()
    for component, modules in sample_components():
        handler_modules = {h.module for h in component.handlers}
        client = rendered[modules.client.replace(".", "/") + ".py"]
        imported = _top_level_imports(ast.parse(client))
        assert not handler_modules & set(imported), (modules.client, imported)
    flow = rendered["app/users/signup_flow_restate_client.py"]
    assert (
        "if TYPE_CHECKING:\n    from app.models import SignupRequest\n"
        "    from app.users.signup_flow import SignupResult\n"
    ) in flow
    assert "_run: HandlerIO[SignupRequest, SignupResult] = HandlerIO(" in flow
    assert '    "SignupResult",\n    "app.users.signup_flow",\n)' in flow


def test_adapter_binds_every_handler() -> None:
    rendered = render_sample()
    adapter = rendered["app/users/user_restate.py"]
    assert 'kind="exclusive"' in adapter and 'kind="shared"' in adapter
    assert "inactivity_timeout=timedelta(seconds=60)" in adapter
    assert "abort_timeout=timedelta(seconds=10.5)" in adapter
    assert ")(user.read)" in adapter
    flow = rendered["app/users/signup_flow_restate.py"]
    assert "definition.main(\n" in flow
    manager = rendered["app/users/user_manager_restate.py"]
    assert 'description="Signs users up and looks them up (target description).",' in manager


def test_generated_code_parses() -> None:
    for path, content in render_sample().items():
        compile(content, path, "exec", flags=ast.PyCF_ONLY_AST)


def _ruff() -> Optional[str]:
    found = shutil.which("ruff")
    if found:
        return found
    candidate = Path(sys.executable).parent / "ruff"
    if candidate.exists():
        return str(candidate)
    try:  # Under Pants the ruff wheel is on sys.path but its binary is not on PATH.
        from ruff.__main__ import find_ruff_bin
    except ImportError:
        return None
    try:
        return os.fsdecode(find_ruff_bin())
    except FileNotFoundError:
        return None


@pytest.mark.parametrize("line_length", [88, 100])
def test_ruff_format_leaves_output_alone(tmp_path: Path, line_length: int) -> None:
    ruff = _ruff()
    if ruff is None:
        pytest.skip("ruff is not installed")
    files = dict(render_sample())
    files.update((p, c) for p, c in _edge_files().items())
    for path, content in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(content)
    result = subprocess.run(
        [ruff, "format", "--check", "--diff", "--isolated", "--line-length", str(line_length)]
        + ["--target-version", "py311", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- Hand-built components for what the sample does not reach -----------------------------------


def _location(line: int) -> SourceLocation:
    return SourceLocation("src/python/edge/handlers.py", line, 1)


def _edge_component() -> Component:
    """Collisions with generated names, plain `import pkg.mod`, reserved method names, options."""
    any_name = ImportedName("Any", "edge.types", "Any")
    client_name = ImportedName("EdgeClient", "edge.types", "EdgeClient", from_handler_module=False)
    local = ImportedName("Local", "edge.handlers", "Local", from_handler_module=True)
    plain = ImportedName("edge", "edge", None)
    # Annotations up to ~70 characters keep every line within 88 columns; longer ones are
    # still correct code, but ruff would split them its own way.
    very_long = TypeRef(
        "dict[str, list[tuple[Any, EdgeClient, Local, edge.types.Thing]]]",
        (any_name, client_name, plain, local),
    )
    return Component(
        name="Edge",
        kind=ComponentKind.WORKFLOW,
        handlers=(
            Handler(
                "run",
                "edge.handlers",
                HandlerKind.WORKFLOW_MAIN,
                TypeRef("Any", (any_name,)),
                TypeRef("EdgeClient", (client_name,)),
                'Starts it.\n\n    Quotes: """ and \\ and "end"',
                _location(1),
            ),
            Handler(
                "output",
                "edge.handlers",
                HandlerKind.WORKFLOW_SHARED,
                very_long,
                NONE_TYPE,
                None,
                _location(2),
            ),
            Handler(
                "send",
                "edge.handlers",
                HandlerKind.WORKFLOW_SHARED,
                None,
                TypeRef("edge.types.Thing", (plain,)),
                "Reserved name.",
                _location(3),
            ),
        ),
        sources=(SourceFile("src/python/edge/handlers.py", "edge.handlers", ""),),
        docstring="Edge cases.",
        options=ComponentOptions(
            description="Says \"hi\" and 'bye'",
            inactivity_timeout=1.25,
            ingress_private=True,
        ),
    )


def _edge_files() -> Dict[str, str]:
    modules = GeneratedModules.for_target("edge", "edge")
    return {f.path: f.content for f in render_component(_edge_component(), modules)}


def test_colliding_names_are_renamed() -> None:
    client = _edge_files()["edge/edge_restate_client.py"]
    assert (
        "if TYPE_CHECKING:\n    import edge\n    import edge.types\n"
        "    from edge.handlers import Local\n"
        "    from edge.types import Any, EdgeClient as EdgeClient_2\n"
    ) in client
    # Imported at the first call, not with the client module.
    assert 'imports={"Any": "edge.types:Any", "EdgeClient_2": "edge.types:EdgeClient"},' in client
    assert 'imports={"edge": "edge.types"},' in client
    assert "req: Any," in client and ") -> EdgeClient_2:" in client
    # A type that mentions an implementation name is evaluated in the implementation module.
    assert '"dict[str, list[tuple[Any, EdgeClient, Local, edge.types.Thing]]]",' in client
    assert '"edge.handlers",\n' in client


def test_reserved_method_names_get_an_underscore() -> None:
    client = _edge_files()["edge/edge_restate_client.py"]
    assert "async def output_(" in client and "async def send_(" in client
    assert 'self._call("output", _output, req, options)' in client
    assert 'self._call("send", _send, None, options)' in client
    adapter = _edge_files()["edge/edge_restate.py"]
    assert 'name="output",' in adapter and 'name="send",' in adapter
    assert "ingress_private=True" in adapter
    assert "inactivity_timeout=timedelta(seconds=1.25)" in adapter


def test_ingress_handle_methods_are_reserved_and_the_handler_table_names_restate() -> None:
    text = (
        "from restate import Context\n"
        "async def invocation_handle(ctx: Context) -> int: ...\n"
        "async def idempotent_invocation_handle(ctx: Context) -> int: ...\n"
        "async def add_one(ctx: Context, n: int) -> int: ...\n"
    )
    options = ComponentOptions(handlers=(("add_one", HandlerOptions(name="addOne")),))
    source = SourceFile("src/python/calc.py", "calc", text)
    component = analyze_component("Calc", [source], options).component
    assert component is not None
    _, client = render_component(component, GeneratedModules.for_target("", "calc"))
    assert "async def invocation_handle_(" in client.content
    assert "async def idempotent_invocation_handle_(" in client.content
    # What `invocation_handle(client.method, ...)` looks up: method -> (Restate name, types).
    assert (
        "    _handlers = {\n"
        '        "invocation_handle_": ("invocation_handle", _invocation_handle),\n'
        '        "idempotent_invocation_handle_": (\n'
        '            "idempotent_invocation_handle",\n'
        "            _idempotent_invocation_handle,\n"
        "        ),\n"
        '        "add_one": ("addOne", _add_one),\n'
        "    }\n"
    ) in client.content
    assert "-> SendHandle[int]:" in client.content


def test_duplicate_component_names_are_an_error() -> None:
    component, modules = sample_components()[0]
    other = GeneratedModules.for_target("elsewhere", "email")
    with pytest.raises(RenderError, match="two components are named Email"):
        render_deployment("app.deployment", [(component, modules), (component, other)])


def test_clients_import_only_the_standard_library_at_runtime() -> None:
    """A client imported by a module its signatures use (a self-call, A -> B -> A) must not
    import that module back: every non-stdlib import is under TYPE_CHECKING."""
    for path, content in render_sample().items():
        if not path.endswith("_restate_client.py"):
            continue
        for module in _top_level_imports(ast.parse(content)):
            assert module.split(".")[0] in {
                "__future__",
                "datetime",
                "typing",
                "restate",
                "restate_glue",
            }, (
                path,
                module,
            )


def test_client_class_names_derive_from_restate_names() -> None:
    files = render_sample()
    client = files["app/shop/ticket_office_restate_client.py"]
    assert "class TicketOfficeClient(ServiceClient):" in client
    assert 'component = "ticket-office"' in client
    # The method keeps the function's name; the call uses the Restate name.
    assert "def add_ticket(" in client and 'self._call("addTicket", _add_ticket,' in client
    assert "def markAsSold(" in client
    assert "async def echo(self, req: Any, **options: Unpack[CallOptions]) -> Any:" in client
    adapter = files["app/shop/ticket_office_restate.py"]
    assert 'definition = restate.Service(\n    "ticket-office",' in adapter
    assert 'name="addTicket",' in adapter and "(checked(ticket_office.add_ticket))" in adapter
    assert 'RequestSerde(\n        "typing.Any",\n        "app.shop.ticket_office",' in adapter


@settings(deadline=None)  # rendering takes ~60 ms; a busy 2-core machine triples that
@given(st.from_regex(COMPONENT_NAME, fullmatch=True))
def test_every_name_restate_accepts_renders_valid_python(name: str) -> None:
    if component_name_problem(name) is not None:  # the reserved restate*/openapi names
        return
    component, _ = sample_components()[0]
    renamed = dataclasses.replace(component, name=name)
    modules = GeneratedModules.for_target("app.mail", "email")
    files = [*render_component(renamed, modules), render_deployment("app.d", [(renamed, modules)])]
    for file in files:
        tree = ast.parse(file.content)
        classes = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
        assert all(cls.startswith(class_stem(name)) for cls in classes)
    assert f"component = {py_str(name)}" in files[1].content


@pytest.mark.parametrize("kind", ["Context", "ObjectContext", "WorkflowContext"])
def test_long_handler_names_wrap_like_ruff(kind: str) -> None:
    """Generated code reads like code ruff formatted: no line over 100 characters, even for a
    long handler name (calls and sends are wrapped, one argument per line)."""
    name = "reserve_every_seat_in_the_concert_hall_for_the_whole_season"
    text = (
        f"from restate import {kind}\n"
        f"async def {name}(ctx: {kind}, request: dict[str, list[int]]) -> list[str]: ...\n"
    )
    result = analyze_component("Tickets", [SourceFile("src/python/t.py", "t", text)])
    assert result.component is not None, result.diagnostics
    modules = GeneratedModules.for_target("", "t")
    files = [
        *render_component(result.component, modules),
        render_deployment("d", [(result.component, modules)]),
    ]
    for file in files:
        long_lines = [line for line in file.content.splitlines() if len(line) > 100]
        assert not long_lines, file.path


def test_bytes_is_the_raw_body() -> None:
    text = "from restate import Context\nasync def rev(ctx: Context, data: bytes) -> bytes: ...\n"
    result = analyze_component("Raw", [SourceFile("src/python/raw.py", "raw", text)])
    assert result.component is not None
    adapter, _ = render_component(result.component, GeneratedModules.for_target("", "raw"))
    assert 'accept="*/*",\n    content_type="application/octet-stream",' in adapter.content


def test_a_handler_renamed_to_a_client_method_name() -> None:
    text = (
        "from restate import Context\nasync def send_message(ctx: Context, m: str) -> None: ...\n"
    )
    options = ComponentOptions(handlers=(("send_message", HandlerOptions(name="send")),))
    source = SourceFile("src/python/mail.py", "mail", text)
    component = analyze_component("Mail", [source], options).component
    assert component is not None
    adapter, client = render_component(component, GeneratedModules.for_target("", "mail"))
    assert 'name="send",' in adapter.content and "(checked(mail.send_message))" in adapter.content
    assert "def send_message(" in client.content
    assert 'self._call("send", _send_message, req, options)' in client.content


def test_components_whose_client_names_collide_are_an_error() -> None:
    component, modules = sample_components()[0]
    dashed = dataclasses.replace(component, name="email")
    other = GeneratedModules.for_target("elsewhere", "email")
    with pytest.raises(RenderError, match="'Email' and 'email' would both have clients named"):
        render_deployment("app.deployment", [(component, modules), (dashed, other)])


def test_workflow_without_main_is_an_error() -> None:
    component = _edge_component()
    no_main = Component(
        name=component.name,
        kind=component.kind,
        handlers=component.handlers[1:],
        sources=component.sources,
        docstring=None,
    )
    with pytest.raises(RenderError, match="no main handler"):
        render_component(no_main, GeneratedModules.for_target("edge", "edge"))


def test_rename_names() -> None:
    assert rename_names("list[A] | A.b | x.A", {"A": "A_2"}) == "list[A_2] | A_2.b | x.A"
    assert rename_names("Optional[Req]", {"Req": "Req"}) == "Optional[Req]"


@given(st.text())
def test_py_str_round_trips(text: str) -> None:
    literal = py_str(text)
    assert ast.literal_eval(literal) == text
    # One line of generated code, whatever the text: str.splitlines() finds no break in it.
    assert literal.splitlines() == [literal]


def test_a_docstring_with_a_unicode_line_separator_renders_valid_python() -> None:
    """Found by the fuzzer: a module docstring holding U+2028 became a description literal
    that the generated module's line tidying split in two."""
    component, modules = sample_components()[0]
    component = dataclasses.replace(component, docstring="Orders\u2028and\x85more")
    for generated in render_component(component, modules):
        compile(generated.content, generated.path, "exec")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1))
def test_docstring_is_a_literal(text: str) -> None:
    literal = docstring(text, "    ")
    assert isinstance(ast.literal_eval(literal), str)


def test_component_and_handler_options_render_as_restate_sdk_arguments() -> None:
    rendered = render_sample()
    office = rendered["app/shop/ticket_office_restate.py"]
    assert (
        "invocation_retry_policy=restate.InvocationRetryPolicy(\n"
        "        initial_interval=timedelta(seconds=0.1),\n"
        "        exponentiation_factor=2.0,\n"
        "        max_interval=timedelta(seconds=10),\n"
        "        max_attempts=5,\n"
        '        on_max_attempts="kill",\n'
        "    ),\n"
    ) in office
    assert "inactivity_timeout=timedelta(seconds=30),\n" in office
    assert "idempotency_retention=timedelta(seconds=600),\n" in office
    assert '_HANDLER_DESCRIPTIONS = {"addTicket": "Adds a ticket (target description)."}' in office
    assert "definition.handlers[_handler].description = _description" in office
    flow = rendered["app/users/signup_flow_restate.py"]
    # `Workflow(...)` takes no workflow_retention: it goes to the main handler.
    definition = flow[flow.index("definition = restate.Workflow(") : flow.index("definition.main(")]
    assert "workflow_retention" not in definition
    assert 'metadata={"team": "growth"},' in definition and "state_preload=False," in definition
    main = flow[flow.index("definition.main(") : flow.index('name="approve"')]
    assert "workflow_retention=timedelta(seconds=604800)," in main
    assert "journal_retention=timedelta(seconds=0)," in main
    assert 'metadata={"step": "main"},' in main
    assert "state_preload=True," in flow[flow.index('name="stage"') :]


def test_a_handler_workflow_retention_overrides_the_target_one() -> None:
    component, modules = next((c, m) for c, m in sample_components() if c.name == "SignupFlow")
    options = dataclasses.replace(
        component.options, handlers=(("run", HandlerOptions(workflow_retention=60)),)
    )
    adapter = render_component(dataclasses.replace(component, options=options), modules)[0]
    assert "workflow_retention=timedelta(seconds=60)," in adapter.content
    assert "604800" not in adapter.content


def test_content_types_from_the_target_replace_the_defaults() -> None:
    text = "from restate import Context\nasync def rev(ctx: Context, data: bytes) -> bytes: ...\n"
    options = ComponentOptions(
        handlers=(("rev", HandlerOptions(accept="text/*", content_type="text/plain")),)
    )
    result = analyze_component("Raw", [SourceFile("src/python/raw.py", "raw", text)], options)
    assert result.component is not None
    adapter, _ = render_component(result.component, GeneratedModules.for_target("", "raw"))
    assert 'accept="text/*",\n    content_type="text/plain",' in adapter.content
    assert "*/*" not in adapter.content and "octet-stream" not in adapter.content
