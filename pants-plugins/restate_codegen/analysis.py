"""Turn a target's handler modules into a `Component`, or into the diagnostics that prevent one.

A handler is a public (no leading underscore) `async def` in a module's top-level scope whose
first parameter is annotated with a Restate context type (see `model.CONTEXT_TYPES`; the same
classes imported from `restate.context` count too). It takes `(ctx)` or `(ctx, req)`.
Everything else (helpers, private functions, classes and their methods, nested functions) is
ignored.

Decisions beyond the spec:
- A missing return annotation means the response is `None` (`NONE_TYPE`) when the body returns
  no value, and any JSON value (`ANY_TYPE`) when it does (`return x`, other than `return None`),
  as restate-sdk serves it. An unannotated request parameter is any JSON value too. Strictness
  is left to the user's type checker.
- The component name must be one restate-server accepts (`names.component_name_problem`); the
  generated Python names are derived from it. A handler's Restate name is its function's name,
  or the one the target's `handlers` field gives it; it must be one restate-server accepts.
- Positional-only parameters (`/`) are accepted: the SDK passes the context and the request
  positionally. A default value on any handler parameter is a diagnostic: the SDK always
  passes both, so a default only misleads.
- Handler names that would clash with the generated clients' own methods
  (`RESERVED_HANDLER_NAMES`, plus `RESERVED_WORKFLOW_HANDLER_NAMES` for workflows) are
  diagnostics.
- The context annotation, too, must be importable at runtime (the SDK evaluates every
  annotation of the handler), so a context type imported only under TYPE_CHECKING is reported.
- A public function whose first annotation names a context class that is not imported
  (`ctx: Context` without the import) is reported as an undefined name rather than ignored.
"""

from __future__ import annotations

import builtins
import dataclasses
import re
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

import libcst as cst

from restate_codegen import diagnostics as diag
from restate_codegen.facts import (
    PARAM_KEYWORD_ONLY,
    PARAM_POSITIONAL,
    PARAM_POSITIONAL_ONLY,
    PARAM_VAR_KEYWORD,
    PARAM_VAR_POSITIONAL,
    Binding,
    FunctionFacts,
    ModuleFacts,
    ParamFacts,
    collect_facts,
)
from restate_codegen.model import (
    ANY_TYPE,
    CONTEXT_TYPES,
    NONE_TYPE,
    AnalysisResult,
    Component,
    ComponentKind,
    ComponentOptions,
    Diagnostic,
    Handler,
    HandlerKind,
    HandlerOptions,
    ImportedName,
    SourceFile,
    SourceLocation,
    TypeRef,
)
from restate_codegen.names import component_name_problem, handler_name_problem
from restate_codegen.typeexpr import AnnotationFacts, InvalidSource, NameUse

RESERVED_HANDLER_NAMES = frozenset({"send", "from_context"})
RESERVED_WORKFLOW_HANDLER_NAMES = frozenset({"submit", "attach", "output"})

_CONTEXTS: Dict[str, HandlerKind] = dict(CONTEXT_TYPES)
_CONTEXTS.update(
    {f"restate.context.{name.rsplit('.', 1)[1]}": kind for name, kind in CONTEXT_TYPES.items()}
)
_CONTEXT_CLASS_NAMES = frozenset(name.rsplit(".", 1)[1] for name in CONTEXT_TYPES)
_CONTEXT_CLASS_OF = {kind: name.rsplit(".", 1)[1] for name, kind in CONTEXT_TYPES.items()}
_KIND_LABELS = {
    ComponentKind.SERVICE: "service",
    ComponentKind.VIRTUAL_OBJECT: "virtual object",
    ComponentKind.WORKFLOW: "workflow",
}
# Names every module can read without importing them (3.10+ additions listed explicitly, as this
# runs on 3.9 but reads newer code).
_BUILTINS = frozenset(dir(builtins)) | {
    "None",
    "True",
    "False",
    "Ellipsis",
    "NotImplemented",
    "EncodingWarning",
    "ExceptionGroup",
    "BaseExceptionGroup",
    "aiter",
    "anext",
}
_NO_SOURCES = "<no sources>"
_DEFAULT_OPTIONS = ComponentOptions()
_PARSER_POSITION = re.compile(r"^(?:parser error: )?error at (\d+):(\d+): ")


def analyze_component(
    name: str, sources: Sequence[SourceFile], options: ComponentOptions = _DEFAULT_OPTIONS
) -> AnalysisResult:
    """Analyse the handler modules of one target, which make up the component `name`.

    Returns a component and no diagnostics, or no component and at least one diagnostic.
    """
    ordered = tuple(sorted(sources, key=lambda source: source.path))
    first_file = SourceLocation(ordered[0].path if ordered else _NO_SOURCES, 1, 1)
    problems: List[Diagnostic] = []
    name_problem = component_name_problem(name)
    if name_problem is not None:
        problems.append(diag.invalid_component_name(first_file, name_problem))
    handler_modules = frozenset(source.module for source in ordered)
    candidates: List[_Candidate] = []
    docstrings: List[str] = []
    module_problems: List[Diagnostic] = []
    for source in ordered:
        facts = _read(source, module_problems)
        if facts is None:
            continue
        if facts.docstring:
            docstrings.append(facts.docstring)
        candidates.extend(_ModuleAnalysis(source, facts, handler_modules, module_problems).run())
    problems.extend(module_problems)
    candidates.sort(key=lambda c: (c.location.path, c.location.line, c.location.column))
    if not candidates and not module_problems:
        problems.append(diag.no_handlers(first_file))
    candidates = _renamed(candidates, options, first_file, problems, not module_problems)
    problems.extend(_component_problems(name, candidates))
    problems.extend(option_problems(candidates, options, first_file))
    handlers = [c.handler for c in candidates if c.handler is not None]
    if problems or not handlers:
        unique = dict.fromkeys(problems)
        return AnalysisResult(component=None, diagnostics=tuple(sorted(unique, key=_sort_key)))
    component = Component(
        name=name,
        kind=handlers[0].kind.component_kind,
        handlers=tuple(handlers),
        sources=ordered,
        docstring="\n\n".join(docstrings) or None,
        options=options,
    )
    return AnalysisResult(component=component)


def _renamed(
    candidates: List[_Candidate],
    options: ComponentOptions,
    first_file: SourceLocation,
    problems: List[Diagnostic],
    all_modules_read: bool,
) -> List[_Candidate]:
    """The candidates under their Restate names (the `handlers` field's, or the functions').

    A function the `handlers` field names but no module defines is reported only when every
    module could be read (a syntax error hides the module's functions)."""
    functions = {c.function for c in candidates}
    renames = {}
    for function, handler_options in options.handlers:
        if function not in functions:
            if not all_modules_read:
                continue
            problems.append(diag.unknown_handler_option(first_file, function, sorted(functions)))
        elif handler_options.name is not None:
            renames[function] = handler_options.name
    out = []
    for candidate in candidates:
        name = renames.get(candidate.function, candidate.function)
        problem = handler_name_problem(name)
        if problem is not None:
            renamed = candidate.function in renames
            problems.append(diag.invalid_handler_name(candidate.location, problem, renamed))
        handler = candidate.handler
        if handler is not None and name != handler.name:
            handler = dataclasses.replace(handler, name=name, function=candidate.function)
        out.append(dataclasses.replace(candidate, name=name, handler=handler))
    return out


# Where restate-sdk 1.3.0 takes each kind-dependent option: `Service` has no `state_preload`,
# only `Workflow.main()` takes `workflow_retention`, and `main()` takes no `idempotency_retention`
# (a workflow is idempotent by its key; its retention is `workflow_retention`).
_STATE_SETTINGS = ("state_preload", "enable_lazy_state")
_STATEFUL = "virtual objects and workflows"
_WORKFLOW_MAIN = "a workflow's main handler (the one taking a `WorkflowContext`)"
_HANDLER_LABELS = {
    HandlerKind.SERVICE: "service handler",
    HandlerKind.EXCLUSIVE: "virtual object handler",
    HandlerKind.SHARED: "shared virtual object handler",
    HandlerKind.WORKFLOW_MAIN: "workflow's main handler",
    HandlerKind.WORKFLOW_SHARED: "shared workflow handler",
}


def option_problems(
    candidates: Sequence[_Candidate], options: ComponentOptions, first_file: SourceLocation
) -> List[Diagnostic]:
    """The target's options that the component's kind (or a handler's) does not take.

    Component-level mistakes point at the first handler module (the Pants layer names the
    target); a handler's at the function's `file:line`."""
    problems: List[Diagnostic] = []
    if options.state_preload is not None and options.enable_lazy_state is not None:
        problems.append(diag.conflicting_state_options(first_file))
    if not candidates:
        return problems
    kind = candidates[0].kind.component_kind
    label = _KIND_LABELS[kind]
    if options.workflow_retention is not None and kind is not ComponentKind.WORKFLOW:
        problems.append(
            diag.component_option_not_for_kind(first_file, "workflow_retention", label, "workflows")
        )
    if kind is ComponentKind.SERVICE:
        for setting in _STATE_SETTINGS:
            if getattr(options, setting) is not None:
                problems.append(
                    diag.component_option_not_for_kind(first_file, setting, label, _STATEFUL)
                )
    by_function = dict(options.handlers)
    for candidate in candidates:
        handler_options = by_function.get(candidate.function)
        if handler_options is None:
            continue
        problems.extend(_handler_option_problems(candidate, handler_options))
        if options.ingress_private and handler_options.ingress_private is False:
            problems.append(
                diag.public_handler_of_private_component(candidate.location, candidate.function)
            )
    return problems


def _handler_option_problems(candidate: _Candidate, options: HandlerOptions) -> List[Diagnostic]:
    label = _HANDLER_LABELS[candidate.kind]

    def wrong(setting: str, applies_to: str) -> Diagnostic:
        return diag.handler_option_not_for_kind(
            candidate.location, candidate.function, setting, label, applies_to
        )

    problems = []
    is_main = candidate.kind is HandlerKind.WORKFLOW_MAIN
    if options.workflow_retention is not None and not is_main:
        problems.append(wrong("workflow_retention", _WORKFLOW_MAIN))
    if options.idempotency_retention is not None and is_main:
        problems.append(
            wrong("idempotency_retention", "handlers other than a workflow's main handler")
        )
    if candidate.kind is HandlerKind.SERVICE:
        for setting in _STATE_SETTINGS:
            if getattr(options, setting) is not None:
                problems.append(wrong(setting, f"handlers of {_STATEFUL}"))
    return problems


def _sort_key(diagnostic: Diagnostic) -> Tuple[str, int, int, str, str]:
    location = diagnostic.location
    return location.path, location.line, location.column, diagnostic.message, diagnostic.hint


def _read(source: SourceFile, problems: List[Diagnostic]) -> Optional[ModuleFacts]:
    last_line = len(source.text.splitlines()) + 1
    try:
        return collect_facts(source)
    except cst.ParserSyntaxError as error:
        # Only `message` and the raw positions: str(error) itself can fail on odd input. The
        # position in the message is the more accurate one (raw_line can be off by a line).
        line, column = error.raw_line, error.raw_column + 1
        position = _PARSER_POSITION.match(error.message)
        if position is not None:
            line, column = int(position.group(1)), int(position.group(2))
        location = SourceLocation(source.path, min(max(line, 1), last_line), max(column, 1))
        problems.append(diag.syntax_error(location, _PARSER_POSITION.sub("", error.message)))
    except InvalidSource as error:
        location = SourceLocation(source.path, min(error.line, last_line), error.column)
        problems.append(diag.syntax_error(location, error.detail))
    except RecursionError:
        problems.append(diag.too_deeply_nested(SourceLocation(source.path, 1, 1)))
    return None


@dataclass(frozen=True)
class _Candidate:
    """A function that is meant to be a handler, and the handler if it is a valid one.

    Checks across handlers (names, kinds, the workflow's main handler) look at every candidate,
    so that one broken handler does not also cause, say, a "workflow has no main" diagnostic.
    """

    name: str  # the Restate handler name
    kind: HandlerKind
    location: SourceLocation
    handler: Optional[Handler]
    function: str  # the Python function name


def _component_problems(name: str, handlers: Sequence[_Candidate]) -> List[Diagnostic]:
    problems: List[Diagnostic] = []
    seen: Dict[str, _Candidate] = {}
    for handler in handlers:
        first = seen.setdefault(handler.name, handler)
        if first is not handler:
            problems.append(diag.duplicate_handler(handler.location, handler.name, first.location))
    if not handlers:
        return problems
    reference = handlers[0]
    kind = reference.kind.component_kind
    other = next((h for h in handlers if h.kind.component_kind is not kind), None)
    if other is not None:
        problems.append(
            diag.mixed_kinds(
                other.location,
                f"`{reference.name}` ({_CONTEXT_CLASS_OF[reference.kind]})",
                _KIND_LABELS[kind],
                f"`{other.name}` ({_CONTEXT_CLASS_OF[other.kind]})",
                _KIND_LABELS[other.kind.component_kind],
            )
        )
    elif kind is ComponentKind.WORKFLOW:
        mains = [h for h in handlers if h.kind is HandlerKind.WORKFLOW_MAIN]
        if not mains:
            problems.append(diag.no_workflow_main(reference.location, name))
        for extra in mains[1:]:
            problems.append(diag.several_workflow_mains(extra.location, extra.name, mains[0].name))
    return problems


class _ModuleAnalysis:
    """The decisions about one module's facts."""

    def __init__(
        self,
        source: SourceFile,
        facts: ModuleFacts,
        handler_modules: FrozenSet[str],
        problems: List[Diagnostic],
    ) -> None:
        self._source = source
        self._facts = facts
        self._handler_modules = handler_modules
        self._problems = problems
        self._bindings_by_name: Dict[str, List[Binding]] = {}  # in source order, per name
        for binding in facts.bindings:
            self._bindings_by_name.setdefault(binding.local, []).append(binding)

    def run(self) -> List[_Candidate]:
        candidates = []
        for function in self._facts.functions:
            if function.name.startswith("_"):
                continue
            kind = self._context_kind(function)
            if kind is None:
                self._check_missing_context_import(function)
                continue
            location = self._location(function.line, function.column)
            handler = self._handler(function, kind)
            candidates.append(_Candidate(function.name, kind, location, handler, function.name))
        return candidates

    def _location(self, line: int, column: int) -> SourceLocation:
        return SourceLocation(self._source.path, line, column)

    # Names.

    def _binding(self, root: str, dotted: str) -> Optional[Binding]:
        candidates = self._bindings_by_name.get(root, [])
        runtime = [b for b in candidates if not b.type_checking] or candidates
        primary = [b for b in runtime if not b.fallback] or runtime
        # `import a.b` and `import a.c` both bind `a`: take the one that `a.c.X` reads.
        reads = [
            b
            for b in primary
            if b.attribute is None
            and not b.aliased
            and b.module is not None
            and (dotted == b.module or dotted.startswith(f"{b.module}."))
        ]
        if reads:
            return max(reads, key=lambda b: len(b.module or ""))
        return primary[-1] if primary else None

    def _qualify(self, dotted: str) -> Optional[str]:
        root, _, rest = dotted.partition(".")
        binding = self._binding(root, dotted)
        if binding is None or binding.defined_here or binding.module is None:
            return None
        suffix = f".{rest}" if rest else ""
        if binding.attribute is not None:
            return f"{binding.module}.{binding.attribute}{suffix}"
        if binding.aliased:
            return f"{binding.module}{suffix}"
        return dotted

    def _imported(self, use: NameUse) -> Optional[ImportedName]:
        root = use.root
        location = self._location(use.line, use.column)
        binding = self._binding(root, use.dotted)
        if binding is None:
            if root in self._facts.other_globals:
                return ImportedName(root, self._source.module, root, from_handler_module=True)
            if root not in _BUILTINS:
                self._problems.append(diag.undefined_name(location, root, self._facts.star_imports))
            return None
        if binding.type_checking:
            self._problems.append(diag.type_checking_only(location, root))
            return None
        if binding.module is None:
            self._problems.append(diag.relative_import_out_of_package(location, root))
            return None
        if binding.defined_here:
            return ImportedName(root, binding.module, root, from_handler_module=True)
        reached = binding.module
        if binding.attribute is not None:
            reached = f"{binding.module}.{binding.attribute}"
        return ImportedName(
            local=root,
            module=binding.module,
            attribute=binding.attribute,
            from_handler_module=(
                binding.module in self._handler_modules or reached in self._handler_modules
            ),
        )

    def _type_ref(self, annotation: AnnotationFacts) -> TypeRef:
        location = self._location(annotation.line, annotation.column)
        for text in annotation.errors:
            self._problems.append(diag.bad_string_annotation(location, text))
        names: Dict[ImportedName, None] = {}
        for use in annotation.names:
            imported = self._imported(use)
            if imported is not None:
                names[imported] = None
        ordered = sorted(names, key=lambda n: (n.local, n.module, n.attribute or ""))
        return TypeRef(source=annotation.source, names=tuple(ordered))

    # Handlers.

    def _context_kind(self, function: FunctionFacts) -> Optional[HandlerKind]:
        if not function.params or function.params[0].annotation is None:
            return None
        annotation = function.params[0].annotation
        # The module's own import table says what the name refers to, in strings as well.
        qualified = self._qualify(annotation.dotted) if annotation.dotted is not None else None
        return _CONTEXTS.get(qualified) if qualified is not None else None

    def _check_missing_context_import(self, function: FunctionFacts) -> None:
        annotation = function.params[0].annotation if function.params else None
        if annotation is None or annotation.dotted is None:
            return
        root = annotation.dotted.split(".", 1)[0]
        last = annotation.dotted.rsplit(".", 1)[-1]
        if (
            last in _CONTEXT_CLASS_NAMES
            and self._binding(root, annotation.dotted) is None
            and root not in self._facts.other_globals
            and root not in _BUILTINS
        ):
            location = self._location(annotation.line, annotation.column)
            self._problems.append(diag.undefined_name(location, root, self._facts.star_imports))

    def _handler(self, function: FunctionFacts, kind: HandlerKind) -> Optional[Handler]:
        location = self._location(function.line, function.column)
        before = len(self._problems)
        if not function.is_async:
            self._problems.append(diag.sync_handler(location, function.name))
            return None
        reserved = RESERVED_HANDLER_NAMES
        if kind.component_kind is ComponentKind.WORKFLOW:
            reserved = reserved | RESERVED_WORKFLOW_HANDLER_NAMES
        if function.name in reserved:
            self._problems.append(diag.reserved_handler_name(location, function.name))
        request = self._check_params(function)
        response = NONE_TYPE
        if function.returns is not None:
            response = self._type_ref(function.returns)
        elif function.returns_value:
            response = ANY_TYPE
        if len(self._problems) > before:
            return None
        return Handler(
            name=function.name,
            module=self._source.module,
            kind=kind,
            request=request,
            response=response,
            docstring=function.docstring,
            location=location,
        )

    def _check_params(self, function: FunctionFacts) -> Optional[TypeRef]:
        """Report parameter problems; the request type when there is a request parameter."""
        name = function.name
        context, rest = function.params[0], function.params[1:]
        here = self._location
        context_annotation = context.annotation
        if context_annotation is not None:
            for use in context_annotation.names:
                binding = self._binding(use.root, use.dotted)
                if binding is not None and binding.type_checking:
                    location = here(use.line, use.column)
                    self._problems.append(diag.type_checking_only(location, use.root))
        if context.kind not in (PARAM_POSITIONAL, PARAM_POSITIONAL_ONLY):
            problem = f"takes its context as a {context.kind} parameter `{context.name}`"
            self._problems.append(
                diag.bad_parameter(here(context.line, context.column), name, problem)
            )
        if context.has_default:
            self._problems.append(
                diag.request_default(here(context.line, context.column), name, context.name)
            )
        positional: List[ParamFacts] = []
        for param in rest:
            location = here(param.line, param.column)
            if param.kind in (PARAM_VAR_POSITIONAL, PARAM_VAR_KEYWORD):
                star = "*" if param.kind == PARAM_VAR_POSITIONAL else "**"
                problem = (
                    f"has a `{star}{param.name}` parameter; Restate passes at most one request"
                )
                self._problems.append(diag.bad_parameter(location, name, problem))
            elif param.kind == PARAM_KEYWORD_ONLY:
                problem = (
                    f"has a keyword-only parameter `{param.name}`; Restate passes the request "
                    "positionally"
                )
                self._problems.append(diag.bad_parameter(location, name, problem))
            else:
                positional.append(param)
        if len(positional) > 1:
            extra = positional[1]
            problem = f"has more than two parameters (`{extra.name}` is one too many)"
            self._problems.append(diag.bad_parameter(here(extra.line, extra.column), name, problem))
        if not positional:
            return None
        request = positional[0]
        location = here(request.line, request.column)
        if request.has_default:
            self._problems.append(diag.request_default(location, name, request.name))
        if request.annotation is None:
            return ANY_TYPE
        return self._type_ref(request.annotation)
