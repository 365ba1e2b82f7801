"""Render a `Component` into generated Python modules with jinja2 (see docs/DESIGN.md).

The templates in `templates/` own the shape of the generated code; this module prepares plain
values for them: import blocks, annotation text with colliding names renamed, docstrings and
string literals, and lines that are either short enough or exploded with a trailing comma, so
that `ruff format` leaves the output alone at line length 88 or 100.
"""

from __future__ import annotations

import functools
import inspect
import io
import pkgutil
import re
import tokenize
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

import jinja2

from restate_codegen.model import (
    ANY_TYPE,
    Component,
    ComponentKind,
    ComponentOptions,
    GeneratedFile,
    GeneratedModules,
    Handler,
    HandlerKind,
    HandlerOptions,
    ImportedName,
    Metadata,
    RetryPolicy,
    StatePreload,
    TypeRef,
)
from restate_codegen.names import class_stem, python_identifier
from restate_codegen.version import __version__

# A line that fits in this many columns stays on one line; longer ones are exploded one item per
# line with a magic trailing comma, which ruff keeps as is. 88 is ruff's default line length.
LINE_LENGTH = 88

_KIND_WORDS = {
    ComponentKind.SERVICE: "service",
    ComponentKind.VIRTUAL_OBJECT: "virtual object",
    ComponentKind.WORKFLOW: "workflow",
}
_SDK_CLASSES = {
    ComponentKind.SERVICE: "Service",
    ComponentKind.VIRTUAL_OBJECT: "VirtualObject",
    ComponentKind.WORKFLOW: "Workflow",
}
# Client method names that the generated classes use themselves; a handler with one of these
# names gets a trailing underscore in the clients (its Restate name is unchanged).
_CLIENT_ATTRIBUTES = frozenset(
    {
        "send",
        "from_context",
        "component",
        "key",
        "_call",
        "_send",
        "_submit",
        "_attach",
        "_output",
        "_raw_call",
        "_ctx",
        "_key",
        "_http",
        "_path",
        "_delay",
        "_admin",
        "_handlers",
        "_handler_of",
        "invocation_handle",
        "idempotent_invocation_handle",
    }
)
_WORKFLOW_INGRESS_METHODS = frozenset({"submit", "attach", "output"})

_STDLIB_MODULES = frozenset(
    {
        "collections",
        "collections.abc",
        "dataclasses",
        "datetime",
        "decimal",
        "enum",
        "functools",
        "importlib",
        "ipaddress",
        "json",
        "pathlib",
        "sys",
        "types",
        "typing",
        "typing_extensions",
        "urllib.parse",
        "uuid",
    }
)


class RenderError(ValueError):
    """The model cannot be rendered (e.g. two components with one name in a deployment)."""


# ---------------------------------------------------------------------------------------------
# Imports


@dataclass(frozen=True)
class _Import:
    """One import statement binding one local name."""

    module: str
    attribute: Optional[str]  # None: `import module [as local]`
    local: str

    def sort_key(self) -> Tuple[str, str, str]:
        return (self.module, self.attribute or "", self.local)

    def binds_root(self) -> bool:
        return self.attribute is None and self.local == self.module.split(".", 1)[0]

    @property
    def as_text(self) -> str:
        if self.attribute is None:
            if self.binds_root():
                return self.module
            return f"{self.module} as {self.local}"
        if self.attribute == self.local:
            return self.local
        return f"{self.attribute} as {self.local}"


def _import_lines(imports: Iterable[_Import], indent: str = "") -> List[str]:
    """Sorted `import x` lines, then `from x import a, b` lines, isort style."""
    plain = sorted({i for i in imports if i.attribute is None}, key=lambda i: (i.module, i.local))
    froms: Dict[str, Set[str]] = {}
    for i in imports:
        if i.attribute is not None:
            froms.setdefault(i.module, set()).add(i.as_text)
    lines = [f"{indent}import {i.as_text}" for i in plain]
    for module in sorted(froms):
        # isort's force_sort_within_sections=false, case-sensitive order: constants, classes, rest
        names = sorted(froms[module], key=_isort_key)
        statement = wrap(f"from {module} import (", names, ")", indent, parens_optional=True)
        lines.append(indent + statement)
    return lines


def _isort_key(name: str) -> Tuple[int, str]:
    base = name.split(" as ", 1)[0]
    if base.isupper() and len(base) > 1:
        return (0, name)
    if base[:1].isupper():
        return (1, name)
    return (2, name)


def _import_block(sections: Sequence[Iterable[_Import]]) -> str:
    blocks = ["\n".join(_import_lines(section)) for section in sections]
    return "\n\n".join(block for block in blocks if block)


def _is_stdlib(module: str) -> bool:
    return module in _STDLIB_MODULES or module.split(".", 1)[0] in _STDLIB_MODULES


class _Namespace:
    """Module-level names of one generated module: the template's own, then the user's types.

    Two imports that bind the same name the same way are one import; a user name that would
    bind differently is renamed to `name_2`, `name_3`, ... and annotations are rewritten.
    """

    def __init__(self, reserved: Iterable[str], template_imports: Iterable[_Import]) -> None:
        self._taken: Dict[str, Optional[_Import]] = {name: None for name in reserved}
        for imp in template_imports:
            self._taken[imp.local] = imp

    def bind(self, imp: _Import) -> str:
        """Bind `imp`, renamed if its name is taken; returns the local name it got."""
        current = self._taken.get(imp.local, imp)
        # `import a.b` and `import a.c` both bind `a`, compatibly.
        if current == imp or (current is not None and current.binds_root() and imp.binds_root()):
            self._taken[imp.local] = imp
            return imp.local
        if imp.binds_root():
            raise RenderError(
                f"`import {imp.module}` collides with the generated code's own name "
                f"`{imp.local}`; import it under another name (`import {imp.module} as ...`)."
            )
        n = 2
        while True:
            local = f"{imp.local}_{n}"
            renamed = _Import(imp.module, imp.attribute, local)
            current = self._taken.get(local, renamed)
            if current == renamed:
                self._taken[local] = renamed
                return local
            n += 1


def _user_imports(name: ImportedName, source: str) -> List[_Import]:
    """The imports that make `name` (as used in `source`) resolvable in generated code."""
    if name.attribute is not None:
        return [_Import(name.module, name.attribute, name.local)]
    if name.local != name.module.split(".", 1)[0] or "." in name.module:
        return [_Import(name.module, None, name.local)]
    # `import app.models` is recorded as module "app": import what the dotted uses reach.
    modules = {name.module}
    for chain in _dotted_uses(source, name.local):
        if len(chain) >= 3:
            modules.add(".".join(chain[:-1]))
    return [_Import(module, None, name.local) for module in sorted(modules)]


def _dotted_uses(source: str, root: str) -> List[List[str]]:
    tokens = _tokens(source)
    chains = []
    for index, tok in enumerate(tokens):
        if tok.type != tokenize.NAME or tok.string != root:
            continue
        if index > 0 and tokens[index - 1].string == ".":
            continue
        chain = [root]
        j = index + 1
        while (
            j + 1 < len(tokens) and tokens[j].string == "." and tokens[j + 1].type == tokenize.NAME
        ):
            chain.append(tokens[j + 1].string)
            j += 2
        chains.append(chain)
    return chains


def _tokens(source: str) -> List[tokenize.TokenInfo]:
    return list(tokenize.generate_tokens(io.StringIO(source).readline))


def rename_names(source: str, renames: Dict[str, str]) -> str:
    """Rename the free (not attribute) names in an annotation's source text."""
    if not any(old != new for old, new in renames.items()):
        return source
    lines = source.splitlines(keepends=True) or [""]
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    out = []
    last = 0
    previous = ""
    for tok in _tokens(source):
        if tok.type == tokenize.NAME and previous != "." and tok.string in renames:
            start = offsets[tok.start[0] - 1] + tok.start[1]
            end = offsets[tok.end[0] - 1] + tok.end[1]
            out.append(source[last:start])
            out.append(renames[tok.string])
            last = end
        if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
            previous = tok.string
    out.append(source[last:])
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Text helpers, also used by the templates


def py_str(text: str) -> str:
    """A Python string literal as ruff writes it: double quotes unless single need fewer escapes."""
    quote = "'" if text.count('"') > text.count("'") else '"'
    escaped = _NEEDS_ESCAPE.sub(_escape, text) if _NEEDS_ESCAPE.search(text) else text
    return quote + escaped.replace(quote, "\\" + quote) + quote


# Control characters, and the line breaks that str.splitlines() knows beyond them: written raw
# they would split the literal across lines of the generated module.
_NEEDS_ESCAPE = re.compile(r"[\\\x00-\x1f\x7f\x85\u2028\u2029]")
_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(match: "re.Match[str]") -> str:
    char = match.group()
    code = ord(char)
    return _ESCAPES.get(char) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")


def docstring(text: str, indent: str = "") -> str:
    """A triple-quoted docstring, in the shape ruff gives it, at `indent` (not on line one)."""
    lines = [line.rstrip() for line in inspect.cleandoc(text).expandtabs().splitlines()]
    lines = [line.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    if not lines:
        return '""" """'
    last = lines[-1]
    backslashes = len(last[:-1]) - len(last[:-1].rstrip("\\"))
    if last.endswith('"') and backslashes % 2 == 0:  # an unescaped quote before the closing ones
        lines[-1] = last[:-1] + '\\"'
    if len(lines) == 1:
        return f'"""{lines[0]}"""'
    body = "\n".join(f"{indent}{line}" if line else "" for line in lines[1:])
    return f'"""{lines[0]}\n{body}\n{indent}"""'


def join_docs(*parts: Optional[str]) -> str:
    """Paragraphs joined with a blank line, each cleaned like a docstring."""
    return "\n\n".join(inspect.cleandoc(p).strip() for p in parts if p and p.strip())


@dataclass(frozen=True)
class Call:
    """`head` + items + `tail` that `wrap` may explode; items may be `Call`s themselves."""

    head: str
    items: Tuple[Union[str, "Call"], ...]
    tail: str = ")"

    def flat(self) -> str:
        return self.head + ", ".join(_flat(item) for item in self.items) + self.tail


def _flat(item: Union[str, Call]) -> str:
    return item if isinstance(item, str) else item.flat()


def wrap(
    head: str,
    items: Sequence[Union[str, Call]],
    tail: str,
    indent: str = "",
    parens_optional: bool = False,
    trailer: str = "",
) -> str:
    """`head` + items joined by ", " + `tail` on one line if it fits, else exploded.

    `indent` is where the statement starts; the first line is returned without it (the template
    puts it there), and `trailer` is what follows on the same line. Exploded means one item per
    line with a trailing comma, which ruff keeps exploded at any line length; items that are
    `Call`s are wrapped the same way. With `parens_optional` (imports) the one-line form drops
    the parentheses.
    """
    flat_items = ", ".join(_flat(item) for item in items)
    if parens_optional:
        one = f"{head[:-1].rstrip()} {flat_items}"
    else:
        one = f"{head}{flat_items}{tail}"
    if len(indent) + len(one) + len(trailer) <= LINE_LENGTH or not items:
        return one
    inner = indent + "    "
    lines = []
    for item in items:
        if isinstance(item, Call):
            item = wrap(item.head, item.items, item.tail, inner, trailer=",")
        lines.append(f"{inner}{item},\n")
    return f"{head}\n{''.join(lines)}{indent}{tail}"


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _header(generator: str, paths: Iterable[str]) -> str:
    lines = [f"# Generated by the {generator} Pants target from:"]
    lines.extend(f"#   {path}" for path in sorted(set(paths)))
    lines.append("# Do not edit: it is regenerated from those files on every build.")
    return "\n".join(lines)


def _module_path(module: str) -> str:
    return module.replace(".", "/") + ".py"


_RAW_BODY = TypeRef(source="bytes")


def _evaluated(ref: TypeRef) -> str:
    """The annotation as the runtime evaluates it in the handler module: an unannotated
    request or response (`Any`, which that module need not import) as `typing.Any`."""
    return "typing.Any" if ref == ANY_TYPE else ref.source


# ---------------------------------------------------------------------------------------------
# Views: what the templates see


_CALL_OPTIONS = "**options: Unpack[CallOptions]"
_DELAY = "delay: timedelta | None = None"


@dataclass(frozen=True)
class _IOView:
    """One handler's `HandlerIO` in the client module."""

    variable: str  # module-level name in the client: "_signup"
    request_type: str  # the request type as the client module spells it ("None": no request)
    response_type: str
    args: List[Union[str, Call]]  # HandlerIO's arguments: the annotations, where, and imports

    @property
    def statement(self) -> str:
        """`_x: HandlerIO[I, O] = HandlerIO(...)`, laid out as ruff format leaves it."""
        types = [self.request_type, self.response_type]
        head = f"{self.variable}: HandlerIO[{', '.join(types)}] = HandlerIO("
        if len(head) <= LINE_LENGTH:
            return wrap(head, self.args, ")")
        exploded = "".join(f"    {t},\n" for t in types)
        return f"{self.variable}: HandlerIO[\n{exploded}" + wrap("] = HandlerIO(", self.args, ")")


@dataclass(frozen=True)
class _HandlerView:
    name: str  # the Restate handler name
    method: str  # the client method name
    function: str  # `alias.function` in the adapter
    kind: HandlerKind
    doc: str
    takes_request: bool
    io: _IOView
    adapter_args: List[Union[str, Call]]  # the decorator's arguments in the adapter

    @property
    def decorator(self) -> str:
        return "main" if self.kind is HandlerKind.WORKFLOW_MAIN else "handler"

    @property
    def response_annotation(self) -> str:
        return self.io.response_type

    @property
    def req(self) -> str:
        return "req" if self.takes_request else "None"

    @property
    def params(self) -> List[str]:
        request = [f"req: {self.io.request_type}"] if self.takes_request else []
        return ["self", *request, _CALL_OPTIONS]

    @property
    def submit_params(self) -> List[str]:
        request = [f"req: {self.io.request_type}"] if self.takes_request else []
        return ["self", *request, "*", _DELAY, _CALL_OPTIONS]


@dataclass
class _ComponentView:
    name: str
    kind_word: str
    sdk_class: str
    keyed: bool
    is_workflow: bool
    description: str
    options_args: List[Union[str, Call]]
    handlers: List[_HandlerView] = field(default_factory=list)
    # Restate handler name -> the description the target's `handlers` field gives it.
    handler_descriptions: List[Tuple[str, str]] = field(default_factory=list)
    main: Optional[_HandlerView] = None

    @property
    def bases(self) -> Dict[str, str]:
        """The runtime's base class of each generated client class."""
        prefix = "Keyed" if self.keyed else "Service"
        return {
            "client": f"{prefix}Client",
            "send_client": f"{prefix}SendClient",
            "ingress_client": "WorkflowIngressClient"
            if self.is_workflow
            else f"{prefix}IngressClient",
            "ingress_send_client": f"{prefix}IngressSendClient",
        }

    @property
    def handler_table(self) -> List[Union[str, Call]]:
        """The ingress client's `_handlers` items: method name -> (Restate name, HandlerIO)."""
        return [
            Call(f"{py_str(h.method)}: (", (py_str(h.name), h.io.variable), ")")
            for h in self.handlers
        ]

    @property
    def client_doc(self) -> str:
        return join_docs(
            f"Calls the {self.name} {self.kind_word} from inside a Restate handler, durably.",
            self.description,
        )

    @property
    def ingress_doc(self) -> str:
        return join_docs(
            f"Calls the {self.name} {self.kind_word} through Restate's ingress HTTP API.",
            self.description,
        )


def _handler_doc(handler: Handler, description: Optional[str] = None) -> str:
    return join_docs(description or handler.docstring) or f"Calls the `{handler.name}` handler."


def _component_description(component: Component) -> str:
    return join_docs(component.options.description or component.docstring)


def _options(component: Component, reference: Callable[[str], str]) -> List[Union[str, Call]]:
    """The SDK definition's keyword arguments, from the docstrings and the target's options, in
    the order of restate-sdk's signatures. (`workflow_retention` goes to the main handler.)"""
    opts = component.options
    description = _component_description(component)
    return [
        *([f"description={py_str(description)}"] if description else []),
        *_option_args(
            opts,
            # `Workflow(...)` takes no `workflow_retention`
            [(name, getattr(opts, name)) for name in _DURATION_ARGS[:-1]],
            ingress_private=True if opts.ingress_private else None,
            reference=reference,
        ),
    ]


_DURATION_ARGS = (
    "inactivity_timeout",
    "abort_timeout",
    "journal_retention",
    "idempotency_retention",
    "workflow_retention",
)


def _handler_options_args(
    component: Component,
    handler: Handler,
    options: Optional[HandlerOptions],
    reference: Callable[[str], str],
) -> List[Union[str, Call]]:
    """A handler decorator's option arguments, in the order of restate-sdk's signature."""
    options = options or HandlerOptions()
    durations = []
    for name in _DURATION_ARGS:
        value = getattr(options, name)
        if (
            value is None
            and name == "workflow_retention"
            and handler.kind is HandlerKind.WORKFLOW_MAIN
        ):
            value = component.options.workflow_retention
        durations.append((name, value))
    return _option_args(
        options, durations, ingress_private=options.ingress_private, reference=reference
    )


def _option_args(
    options: Union[ComponentOptions, HandlerOptions],
    durations: Sequence[Tuple[str, Optional[float]]],
    *,
    ingress_private: Optional[bool],
    reference: Callable[[str], str],
) -> List[Union[str, Call]]:
    """The options a component and a handler share, in the order of restate-sdk's signatures."""
    out: List[Union[str, Call]] = []
    if options.metadata is not None:
        out.append(_metadata_arg(options.metadata))
    out.extend(f"{name}={_timedelta(value)}" for name, value in durations if value is not None)
    out.extend(_state_args(options.state_preload, options.enable_lazy_state))
    if ingress_private is not None:
        out.append(f"ingress_private={ingress_private}")
    if options.invocation_retry_policy is not None:
        out.append(_retry_policy_arg(options.invocation_retry_policy))
    if options.invocation_context_managers is not None:
        out.append(_context_managers_arg(options.invocation_context_managers, reference))
    return out


def _context_managers_arg(refs: Sequence[str], reference: Callable[[str], str]) -> Call:
    return Call("invocation_context_managers=[", tuple(reference(r) for r in refs), "]")


def _timedelta(seconds: float) -> str:
    return f"timedelta(seconds={_seconds(seconds)})"


def _metadata_arg(metadata: Metadata) -> Call:
    return Call("metadata={", tuple(f"{py_str(k)}: {py_str(v)}" for k, v in metadata), "}")


def _state_args(
    state_preload: Optional[StatePreload], enable_lazy_state: Optional[bool]
) -> List[Union[str, Call]]:
    out: List[Union[str, Call]] = []
    if enable_lazy_state is not None:
        out.append(f"enable_lazy_state={enable_lazy_state}")
    if isinstance(state_preload, bool):
        out.append(f"state_preload={state_preload}")
    elif state_preload is not None:
        out.append(Call("state_preload=[", tuple(py_str(k) for k in state_preload), "]"))
    return out


def _retry_policy_arg(policy: RetryPolicy) -> Call:
    items: List[str] = []
    if policy.initial_interval is not None:
        items.append(f"initial_interval={_timedelta(policy.initial_interval)}")
    if policy.exponentiation_factor is not None:
        items.append(f"exponentiation_factor={float(policy.exponentiation_factor)!r}")
    if policy.max_interval is not None:
        items.append(f"max_interval={_timedelta(policy.max_interval)}")
    if policy.max_attempts is not None:
        items.append(f"max_attempts={policy.max_attempts}")
    if policy.on_max_attempts is not None:
        items.append(f"on_max_attempts={py_str(policy.on_max_attempts)}")
    return Call("invocation_retry_policy=restate.InvocationRetryPolicy(", tuple(items), ")")


def _uses_timedelta(args: Iterable[Union[str, Call]]) -> bool:
    return any("timedelta(" in _flat(arg) for arg in args)


def _method_name(component: Component, handler: Handler) -> str:
    reserved = set(_CLIENT_ATTRIBUTES)
    if component.kind is ComponentKind.WORKFLOW:
        reserved |= _WORKFLOW_INGRESS_METHODS
    function = handler.function_name
    return f"{function}_" if function in reserved else function


# ---------------------------------------------------------------------------------------------
# Templates


def _load_template(name: str) -> str:
    data = pkgutil.get_data(__package__ or "restate_codegen", f"templates/{name}")
    if data is None:  # pragma: no cover - only without a loader
        raise FileNotFoundError(name)
    return data.decode("utf-8")


@functools.lru_cache(maxsize=None)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_load_template),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["py_str"] = py_str
    env.filters["docstring"] = docstring
    env.filters["py_pair"] = lambda pair: f"{py_str(pair[0])}: {py_str(pair[1])}"
    env.globals["wrap"] = wrap
    return env


def _render(template: str, **context: object) -> str:
    return _tidy(_environment().get_template(template).render(**context))


def _tidy(text: str) -> str:
    """Trailing spaces off, at most two blank lines in a row, one final newline."""
    lines = [line.rstrip() for line in text.split("\n")]  # not splitlines(): "\u2028" is no line
    out: List[str] = []
    blank = 0
    for line in lines:
        blank = blank + 1 if not line else 0
        if blank <= 2:
            out.append(line)
    while out and not out[-1]:
        out.pop()
    while out and not out[0]:
        out.pop(0)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Adapter and clients

_ADAPTER_IMPORTS = (
    _Import("restate", None, "restate"),
    _Import("restate_glue", "JsonSerde", "JsonSerde"),
    _Import("restate_glue", "fill_json_schemas", "fill_json_schemas"),
    _Import("restate_glue", "require_runtime", "require_runtime"),
)
_ADAPTER_NAMES = ("definition",)
# What the adapter adds so that a request failing validation is the caller's 400, not a 500.
_ADAPTER_REQUEST_IMPORTS = (
    _Import("restate_glue", "RequestSerde", "RequestSerde"),
    _Import("restate_glue", "checked", "checked"),
)
_CLIENT_IMPORTS = (
    _Import("datetime", "timedelta", "timedelta"),
    _Import("typing", "TYPE_CHECKING", "TYPE_CHECKING"),
    _Import("typing", "Unpack", "Unpack"),
    _Import("restate", None, "restate"),
    _Import("restate_glue", "CallOptions", "CallOptions"),
    _Import("restate_glue", "HandlerIO", "HandlerIO"),
    _Import("restate_glue", "SendHandle", "SendHandle"),
    _Import("restate_glue", "require_runtime", "require_runtime"),
)
_CLIENT_BASES = (
    "KeyedClient",
    "KeyedIngressClient",
    "KeyedIngressSendClient",
    "KeyedSendClient",
    "ServiceClient",
    "ServiceIngressClient",
    "ServiceIngressSendClient",
    "ServiceSendClient",
    "WorkflowIngressClient",
)


def _sections(template: Iterable[_Import], user: Iterable[_Import]) -> List[List[_Import]]:
    template = list(template)
    user = [i for i in user if i not in template]
    return [
        [i for i in template + user if _is_stdlib(i.module)],
        [i for i in template if not _is_stdlib(i.module)],
        [i for i in user if not _is_stdlib(i.module)],
    ]


def _client_names(component: Component) -> Dict[str, str]:
    base = class_stem(component.name)
    return {
        "client": f"{base}Client",
        "send_client": f"{base}SendClient",
        "ingress_client": f"{base}IngressClient",
        "ingress_send_client": f"{base}IngressSendClient",
    }


def _module_aliases(modules: Iterable[str], reserved: Iterable[str]) -> Dict[str, str]:
    """A short local name per module: its last component, numbered on collisions."""
    taken = set(reserved)
    aliases = {}
    for module in sorted(set(modules)):
        stem = python_identifier(module.rsplit(".", 1)[-1])
        alias = stem
        n = 2
        while alias in taken:
            alias = f"{stem}_{n}"
            n += 1
        taken.add(alias)
        aliases[module] = alias
    return aliases


def _module_import(module: str, alias: str) -> _Import:
    if "." in module:
        package, name = module.rsplit(".", 1)
        return _Import(package, name, alias)
    return _Import(module, None, alias)


def render_component(component: Component, modules: GeneratedModules) -> Tuple[GeneratedFile, ...]:
    """The adapter module and the typed clients module for one component."""
    if not component.handlers:
        raise RenderError(f"component {component.name} has no handlers")
    names = _client_names(component)
    handler_modules = sorted({h.module for h in component.handlers})

    # Adapter: the handler modules under short names, the runtime's serdes, `definition`.
    adapter_imports = list(_ADAPTER_IMPORTS)
    takes_requests = any(h.request is not None for h in component.handlers)
    if takes_requests:
        adapter_imports.extend(_ADAPTER_REQUEST_IMPORTS)
    # Handler modules and the modules of `invocation_context_managers`, under short names.
    reserved = [i.local for i in adapter_imports] + ["timedelta", *_ADAPTER_NAMES]
    context_manager_modules = component.options.context_manager_modules()
    aliases = _module_aliases([*handler_modules, *context_manager_modules], reserved)
    adapter_imports_user = [_module_import(m, a) for m, a in aliases.items()]

    def reference(ref: str) -> str:
        module, attribute = ref.split(":", 1)
        return f"{aliases[module]}.{attribute}"

    options = _options(component, reference)
    handler_options = dict(component.options.handlers)
    handler_args = {
        h.name: _handler_options_args(component, h, handler_options.get(h.function_name), reference)
        for h in component.handlers
    }
    if _uses_timedelta(options) or any(_uses_timedelta(a) for a in handler_args.values()):
        adapter_imports.append(_Import("datetime", "timedelta", "timedelta"))

    view = _ComponentView(
        name=component.name,
        kind_word=_KIND_WORDS[component.kind],
        sdk_class=_SDK_CLASSES[component.kind],
        keyed=component.kind is not ComponentKind.SERVICE,
        is_workflow=component.kind is ComponentKind.WORKFLOW,
        description=_component_description(component),
        options_args=options,
    )
    bases = sorted(set(view.bases.values()))

    # Client: user type names, renamed where they collide; implementation types type-only.
    method_names = {h.name: _method_name(component, h) for h in component.handlers}
    io_variables = {h.name: f"_{method_names[h.name].strip('_')}" for h in component.handlers}
    namespace = _Namespace(
        list(names.values()) + list(io_variables.values()),
        [*_CLIENT_IMPORTS, *(_Import("restate_glue", b, b) for b in bases)],
    )
    runtime_imports: List[_Import] = []
    type_only_imports: List[_Import] = []

    def client_annotation(ref: TypeRef, lazy: Dict[str, str]) -> str:
        """The annotation as the client spells it; `lazy` gets the imports HandlerIO makes."""
        renames = {}
        for name in ref.names:
            for imp in _user_imports(name, ref.source):
                local = namespace.bind(imp)
                renamed = _Import(imp.module, imp.attribute, local)
                # Only the standard library is imported when the client is: any other module
                # could import this client in turn (a self-call, A -> B -> A), so the client
                # names it for type checkers and HandlerIO imports it at the first call.
                if _is_stdlib(imp.module):
                    runtime_imports.append(renamed)
                else:
                    type_only_imports.append(renamed)
                    lazy[local] = imp.module + (f":{imp.attribute}" if imp.attribute else "")
                renames[name.local] = local
        return rename_names(ref.source, renames)

    def handler_io(handler: Handler) -> _IOView:
        refs = [r for r in (handler.request, handler.response) if r is not None]
        lazy: Dict[str, str] = {}
        annotations = [client_annotation(r, lazy) for r in refs]
        request_type = annotations[0] if handler.request is not None else "None"
        response_type = annotations[-1]
        args: List[Union[str, Call]]
        if any(name.from_handler_module for r in refs for name in r.names):
            # Resolved on first use, in the implementation module, as the decorator would.
            args = [py_str(_evaluated(r)) for r in refs]
            args.append(py_str(handler.module))
        else:
            args = [py_str(a) for a in annotations]
            args.append("__name__")
            if lazy:
                items = tuple(f"{py_str(k)}: {py_str(v)}" for k, v in sorted(lazy.items()))
                args.append(Call("imports={", items, "}"))
        if handler.request is None:
            args.insert(0, "None")
        return _IOView(io_variables[handler.name], request_type, response_type, args)

    for handler in component.handlers:
        module_arg = py_str(handler.module)
        handler_arg = f"handler={py_str(component.name + '/' + handler.name)}"
        adapter_args: List[Union[str, Call]] = [f"name={py_str(handler.name)}"]
        if handler.kind in (HandlerKind.EXCLUSIVE, HandlerKind.SHARED):
            adapter_args.append(f"kind={py_str(handler.kind.value)}")
        if handler.request is not None:
            adapter_args.append(
                Call(
                    "input_serde=RequestSerde(",
                    (py_str(_evaluated(handler.request)), module_arg, handler_arg),
                )
            )
        # `bytes` is the raw body: the SDK announces JSON content types unless told otherwise.
        # The target's `handlers` field may name other content types.
        set_here = handler_options.get(handler.function_name, HandlerOptions())
        accept = set_here.accept
        if accept is None and handler.request is not None and handler.request == _RAW_BODY:
            accept = "*/*"
        if accept is not None:
            adapter_args.append(f"accept={py_str(accept)}")
        content_type = set_here.content_type
        if content_type is None and handler.response == _RAW_BODY:
            content_type = "application/octet-stream"
        if content_type is not None:
            adapter_args.append(f"content_type={py_str(content_type)}")
        adapter_args.append(
            Call(
                "output_serde=JsonSerde(",
                (py_str(_evaluated(handler.response)), module_arg, handler_arg),
            )
        )
        adapter_args.extend(handler_args[handler.name])
        described = set_here.description
        if described is not None:
            view.handler_descriptions.append((handler.name, described))
        function = f"{aliases[handler.module]}.{handler.function_name}"
        hv = _HandlerView(
            name=handler.name,
            method=method_names[handler.name],
            function=function if handler.request is None else f"checked({function})",
            kind=handler.kind,
            doc=_handler_doc(handler, described),
            takes_request=handler.request is not None,
            io=handler_io(handler),
            adapter_args=adapter_args,
        )
        view.handlers.append(hv)
        if handler.kind is HandlerKind.WORKFLOW_MAIN:
            view.main = hv
    if view.is_workflow and view.main is None:
        raise RenderError(f"workflow {component.name} has no main handler (WorkflowContext)")

    header = _header("restate_service", (s.path for s in component.sources))
    adapter = _render(
        "adapter.py.j2",
        header=header,
        c=view,
        version=__version__,
        handler_modules=handler_modules,
        imports=_import_block(_sections(adapter_imports, adapter_imports_user)),
    )
    sorted_runtime = sorted(set(runtime_imports), key=_Import.sort_key)
    type_only = sorted(set(type_only_imports) - set(runtime_imports), key=_Import.sort_key)
    client_imports = [
        *(i for i in _CLIENT_IMPORTS if type_only or i.local != "TYPE_CHECKING"),
        *(_Import("restate_glue", b, b) for b in bases),
    ]
    client = _render(
        "client.py.j2",
        header=header,
        c=view,
        n=names,
        version=__version__,
        imports=_import_block(_sections(client_imports, sorted_runtime)),
        type_only_imports=_import_lines(type_only, indent="    "),
    )
    return (
        GeneratedFile(path=_module_path(modules.adapter), content=adapter),
        GeneratedFile(path=_module_path(modules.client), content=client),
    )


# ---------------------------------------------------------------------------------------------
# Deployment

_DEPLOYMENT_IMPORTS = (
    _Import("sys", None, "sys"),
    _Import("typing", "Any", "Any"),
    _Import("typing", "Literal", "Literal"),
    _Import("restate", None, "restate"),
    _Import("restate_glue", "serve", "serve"),
)
_DEPLOYMENT_NAMES = ("services", "objects", "workflows", "app", "make_app", "main", "__all__")


@dataclass(frozen=True)
class _DeployedView:
    name: str
    kind: ComponentKind
    definition: str  # `alias.definition`


def render_deployment(
    module: str, components: Sequence[Tuple[Component, GeneratedModules]]
) -> GeneratedFile:
    """One module serving `components`: registries, re-exported clients, the ASGI app."""
    by_name: Dict[str, Tuple[Component, GeneratedModules]] = {}
    for component, modules in components:
        if component.name in by_name:
            raise RenderError(
                f"two components are named {component.name} ({by_name[component.name][1].adapter}"
                f" and {modules.adapter}); Restate component names must be unique."
            )
        by_name[component.name] = (component, modules)
    by_stem: Dict[str, str] = {}
    for name in sorted(by_name):
        other = by_stem.setdefault(class_stem(name), name)
        if other != name:
            raise RenderError(
                f"the components {other!r} and {name!r} would both have clients named "
                f"{class_stem(name)}Client; give one of them another name."
            )
    ordered = [by_name[name] for name in sorted(by_name)]

    client_classes = sorted(
        name for component, _ in ordered for name in _client_names(component).values()
    )
    reserved = [i.local for i in _DEPLOYMENT_IMPORTS] + list(_DEPLOYMENT_NAMES) + client_classes
    aliases = _module_aliases((m.adapter for _, m in ordered), reserved)
    imports = [_module_import(m, a) for m, a in aliases.items()]
    for component, modules in ordered:
        for cls in _client_names(component).values():
            imports.append(_Import(modules.client, cls, cls))

    deployed = [
        _DeployedView(c.name, c.kind, f"{aliases[m.adapter]}.definition") for c, m in ordered
    ]
    content = _render(
        "deployment.py.j2",
        header=_header("restate_deployment", (s.path for c, _ in ordered for s in c.sources)),
        imports=_import_block(_sections(_DEPLOYMENT_IMPORTS, imports)),
        services=[d for d in deployed if d.kind is ComponentKind.SERVICE],
        objects=[d for d in deployed if d.kind is ComponentKind.VIRTUAL_OBJECT],
        workflows=[d for d in deployed if d.kind is ComponentKind.WORKFLOW],
        client_classes=client_classes,
        module=module,
    )
    return GeneratedFile(path=_module_path(module), content=content)
