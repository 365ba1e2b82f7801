"""One pass over a handler module that collects facts into plain data.

The visitor decides nothing: it records the module's bindings, its module-scope functions and
their annotations; `analysis.py` turns those facts into handlers or diagnostics.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from typing import FrozenSet, List, Optional, Set, Tuple

import libcst as cst
from libcst.metadata import (
    GlobalScope,
    MetadataWrapper,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

from restate_codegen.model import SourceFile
from restate_codegen.typeexpr import (
    AnnotationFacts,
    InvalidSource,
    Position,
    dotted_name,
    read_annotation,
)


@dataclass(frozen=True)
class Binding:
    """A name bound in the module scope by an import or a definition."""

    local: str
    # The absolute module that an import reads from, or the handler module for a definition.
    # None when a relative import climbs above the top-level package.
    module: Optional[str]
    attribute: Optional[str]  # `from module import attribute`; None for `import module`
    defined_here: bool = False
    type_checking: bool = False  # only under `if TYPE_CHECKING:`
    fallback: bool = False  # in an `except` clause, e.g. an ImportError fallback
    aliased: bool = False  # `import a.b as m`


@dataclass(frozen=True)
class ParamFacts:
    name: str
    kind: str  # one of the PARAM_* constants
    annotation: Optional[AnnotationFacts]
    has_default: bool
    line: int
    column: int


PARAM_POSITIONAL_ONLY = "positional-only"
PARAM_POSITIONAL = "positional"
PARAM_VAR_POSITIONAL = "*args"
PARAM_KEYWORD_ONLY = "keyword-only"
PARAM_VAR_KEYWORD = "**kwargs"


@dataclass(frozen=True)
class FunctionFacts:
    """A function defined in the module scope (not in a class, not nested)."""

    name: str
    is_async: bool
    params: Tuple[ParamFacts, ...]  # in declaration order
    returns: Optional[AnnotationFacts]
    returns_value: bool  # has a `return <value>` other than `return None`
    docstring: Optional[str]
    line: int  # of the function's name
    column: int
    # What QualifiedNameProvider says the first parameter's annotation refers to.
    first_param_qualified_names: Tuple[str, ...]


@dataclass(frozen=True)
class ModuleFacts:
    docstring: Optional[str]
    bindings: Tuple[Binding, ...]  # in source order
    other_globals: FrozenSet[str]  # module-scope names bound some other way (for, with, :=)
    star_imports: Tuple[str, ...]
    functions: Tuple[FunctionFacts, ...]  # in source order


def collect_facts(source: SourceFile) -> ModuleFacts:
    """Parse and read one module.

    Raises libcst.ParserSyntaxError for invalid source, InvalidSource for source that libcst
    accepts but Python rejects (null bytes, string literals with invalid escapes).
    """
    null = source.text.find("\x00")
    if null >= 0:
        line = source.text.count("\n", 0, null) + 1
        column = null - (source.text.rfind("\n", 0, null) + 1) + 1
        raise InvalidSource(line, column, "source code cannot contain null bytes")
    try:
        module = cst.parse_module(source.text)
    except cst.CSTValidationError as error:
        # The native parser is more liberal than the node classes, e.g. about which Unicode
        # characters make identifiers; what the node classes reject, Python 3.9 rejects too.
        line, column = _locate_validation_error(source.text, str(error))
        raise InvalidSource(line, column, str(error)) from None
    with warnings.catch_warnings():
        # libcst evaluates string literals (docstrings, string annotations) with
        # ast.literal_eval, which warns about escapes such as "\>"; those are the user's business.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        try:
            return _collect(source, module)
        except (SyntaxError, ValueError):
            # An invalid escape sequence is a syntax error for Python too: say where it is.
            _raise_for_invalid_literal(module)
            raise


_INVALID_NAME = re.compile(r"Name ('.*'|\".*\") is not a valid identifier")


def _locate_validation_error(text: str, message: str) -> Tuple[int, int]:
    match = _INVALID_NAME.search(message)
    index = -1
    if match is not None:
        try:
            index = text.find(ast.literal_eval(match.group(1)))
        except (SyntaxError, ValueError):
            index = -1
    if index < 0:
        return 1, 1
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def _collect(source: SourceFile, module: cst.Module) -> ModuleFacts:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    collector = _Collector(source)
    wrapper.visit(collector)
    global_names: Set[str] = set()
    for scope in wrapper.resolve(ScopeProvider).values():
        if isinstance(scope, GlobalScope):
            global_names.update(assignment.name for assignment in scope.assignments)
            break
    known = {binding.local for binding in collector.bindings}
    return ModuleFacts(
        docstring=module.get_docstring(clean=True) or None,
        bindings=tuple(collector.bindings),
        other_globals=frozenset(global_names - known),
        star_imports=tuple(collector.star_imports),
        functions=tuple(collector.functions),
    )


def _raise_for_invalid_literal(module: cst.Module) -> None:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    wrapper.visit(_LiteralChecker())


class _LiteralChecker(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        start = self.get_metadata(PositionProvider, node).start
        try:
            _ = node.evaluated_value
        except (SyntaxError, ValueError) as error:
            detail = f"invalid string literal: {getattr(error, 'msg', error)}"
            raise InvalidSource(start.line, start.column + 1, detail) from None


def resolve_relative(source: SourceFile, level: int, name: str) -> Optional[str]:
    """The absolute module of `from <level dots><name> import ...` inside `source`."""
    parts = source.module.split(".")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    elif not source.path.replace("\\", "/").rsplit("/", 1)[-1].startswith("__init__."):
        parts = parts[:-1]  # a plain module: its package is the parent
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    if not base:
        return None
    return ".".join(base + ([name] if name else []))


_TYPE_CHECKING = "TYPE_CHECKING"


def _is_type_checking(test: cst.BaseExpression) -> bool:
    return (dotted_name(test) or "").rsplit(".", 1)[-1] == _TYPE_CHECKING


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider, QualifiedNameProvider, ScopeProvider)

    def __init__(self, source: SourceFile) -> None:
        super().__init__()
        self._source = source
        self.bindings: List[Binding] = []
        self.star_imports: List[str] = []
        self.functions: List[FunctionFacts] = []
        self._type_checking_blocks: Set[int] = set()
        self._type_checking_depth = 0
        self._except_depth = 0

    # Context: which statements only run for type checkers, and which are fallbacks.

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self._type_checking_blocks:
            self._type_checking_depth += 1
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        if id(original_node) in self._type_checking_blocks:
            self._type_checking_depth -= 1

    def visit_If(self, node: cst.If) -> None:
        if _is_type_checking(node.test):
            self._type_checking_blocks.add(id(node.body))
        elif (
            isinstance(node.test, cst.UnaryOperation)
            and isinstance(node.test.operator, cst.Not)
            and _is_type_checking(node.test.expression)
            and node.orelse is not None
        ):
            self._type_checking_blocks.add(id(node.orelse))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._except_depth += 1

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        self._except_depth -= 1

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._except_depth += 1

    def leave_ExceptStarHandler(self, original_node: cst.ExceptStarHandler) -> None:
        self._except_depth -= 1

    # Bindings.

    def _bind(self, local: str, module: Optional[str], attribute: Optional[str]) -> None:
        self.bindings.append(
            Binding(
                local=local,
                module=module,
                attribute=attribute,
                defined_here=module == self._source.module and attribute == local,
                type_checking=self._type_checking_depth > 0,
                fallback=self._except_depth > 0,
            )
        )

    def _define(self, local: str) -> None:
        self._bind(local, self._source.module, local)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            module = dotted_name(alias.name) or ""
            aliased = alias.asname is not None and isinstance(alias.asname.name, cst.Name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            else:
                local = module.split(".", 1)[0]
            # `import a.b` binds `a`, and importing `a.b` is what makes `a.b.X` readable.
            self.bindings.append(
                Binding(
                    local=local,
                    module=module,
                    attribute=None,
                    aliased=aliased,
                    type_checking=self._type_checking_depth > 0,
                    fallback=self._except_depth > 0,
                )
            )

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        name = dotted_name(node.module) if node.module is not None else ""
        level = len(node.relative)
        module = resolve_relative(self._source, level, name or "") if level else name
        if isinstance(node.names, cst.ImportStar):
            self.star_imports.append(module or "")
            return
        for alias in node.names:
            attribute = dotted_name(alias.name) or ""
            local = attribute
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.bindings.append(
                Binding(
                    local=local,
                    module=module,
                    attribute=attribute,
                    type_checking=self._type_checking_depth > 0,
                    fallback=self._except_depth > 0,
                )
            )

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        if self._in_module_scope(node):
            self._define(node.name.value)
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._in_module_scope(node):
            for target in node.targets:
                for name in _target_names(target.target):
                    self._define(name)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self._in_module_scope(node) and isinstance(node.target, cst.Name):
            self._define(node.target.value)

    def visit_TypeAlias(self, node: cst.TypeAlias) -> None:
        if self._in_module_scope(node):
            self._define(node.name.value)

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def _in_module_scope(self, node: cst.CSTNode) -> bool:
        return isinstance(self.get_metadata(ScopeProvider, node, None), GlobalScope)

    # Functions.

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if not self._in_module_scope(node):
            return False
        self._define(node.name.value)
        params = tuple(self._param(param, kind) for param, kind in _all_params(node.params))
        first_qualified: Tuple[str, ...] = ()
        first = _first_param(node.params)
        if first is not None and first.annotation is not None:
            qualified = self.get_metadata(QualifiedNameProvider, first.annotation.annotation, set())
            first_qualified = tuple(sorted(q.name for q in qualified))
        returns = self._annotation(node.returns) if node.returns is not None else None
        finder = _ReturnFinder()
        node.body.visit(finder)
        docstring = node.get_docstring(clean=True)
        line, column = self._position(node.name)
        self.functions.append(
            FunctionFacts(
                name=node.name.value,
                is_async=node.asynchronous is not None,
                params=params,
                returns=returns,
                returns_value=finder.returns_value,
                docstring=docstring or None,
                line=line,
                column=column,
                first_param_qualified_names=first_qualified,
            )
        )
        return False

    def _param(self, param: cst.Param, kind: str) -> ParamFacts:
        line, column = self._position(param.name)
        return ParamFacts(
            name=param.name.value,
            kind=kind,
            annotation=self._annotation(param.annotation) if param.annotation else None,
            has_default=param.default is not None,
            line=line,
            column=column,
        )

    def _annotation(self, annotation: cst.Annotation) -> AnnotationFacts:
        return read_annotation(annotation.annotation, self._position)

    def _position(self, node: cst.CSTNode) -> Position:
        start = self.get_metadata(PositionProvider, node).start
        return start.line, start.column + 1


_Param = Tuple[cst.Param, str]


def _all_params(params: cst.Parameters) -> List[_Param]:
    result: List[_Param] = [(p, PARAM_POSITIONAL_ONLY) for p in params.posonly_params]
    result.extend((p, PARAM_POSITIONAL) for p in params.params)
    if isinstance(params.star_arg, cst.Param):
        result.append((params.star_arg, PARAM_VAR_POSITIONAL))
    result.extend((p, PARAM_KEYWORD_ONLY) for p in params.kwonly_params)
    if params.star_kwarg is not None:
        result.append((params.star_kwarg, PARAM_VAR_KEYWORD))
    return result


def _first_param(params: cst.Parameters) -> Optional[cst.Param]:
    all_params = _all_params(params)
    return all_params[0][0] if all_params else None


def _target_names(target: cst.BaseExpression) -> List[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        names: List[str] = []
        for element in target.elements:
            names.extend(_target_names(element.value))
        return names
    return []


class _ReturnFinder(cst.CSTVisitor):
    """Does a function body return a value (ignoring nested functions, classes, lambdas)?"""

    def __init__(self) -> None:
        super().__init__()
        self.returns_value = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Return(self, node: cst.Return) -> None:
        value = node.value
        if value is not None and not (isinstance(value, cst.Name) and value.value == "None"):
            self.returns_value = True
