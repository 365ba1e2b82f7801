"""One pass over a handler module that collects facts into plain data.

The collector decides nothing: it records the module's bindings, its module-scope functions and
their annotations; `analysis.py` turns those facts into handlers or diagnostics.

Speed: the module scope is read by walking statements (not every node), names are resolved from
the module's own import table (`Binding`s) instead of libcst's Scope and QualifiedName
providers, and positions and docstrings come from Python's own `ast` parser, paired node for node
with libcst's tree (`_Positions`: a node that does not pair gets its position from generating
the function headers, only when asked). That is a small fraction of what the metadata providers
cost; `facts_test.py` checks every position against libcst's PositionProvider.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import itertools
import re
import warnings
from dataclasses import dataclass, field
from typing import (
    ContextManager,
    Dict,
    FrozenSet,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

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
    collector = _Collector(source)
    collector.block(module.body)
    collector.scan_for_other_bindings(module, source.text)
    functions = collector.function_nodes
    # Python's own parser reads the same text in a fortieth of libcst's time, and knows
    # positions and docstrings; libcst answers whatever it cannot.
    tree = _python_tree(source.text)
    defs = _paired_defs(functions, tree)
    positions = _Positions(module, functions, defs, _Lines(source.text))
    if tree is not None:
        docstring = ast.get_docstring(tree, clean=True)
    else:
        docstring = module.get_docstring(clean=True)
    if defs is not None:
        docstrings = [ast.get_docstring(definition, clean=True) for definition in defs]
    else:
        docstrings = [node.get_docstring(clean=True) for node in functions]
    known = {binding.local for binding in collector.bindings}
    return ModuleFacts(
        docstring=docstring or None,
        bindings=tuple(collector.bindings),
        other_globals=frozenset(collector.other_globals - known),
        star_imports=tuple(collector.star_imports),
        functions=tuple(
            _function_facts(node, positions, doc) for node, doc in zip(functions, docstrings)
        ),
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


class _Collector:
    """Reads the module scope: the top-level statements and those inside module-level `if`,
    `try`, `with`, `for`, `while` and `match` blocks, never function or class bodies (whose names
    are local). A plain walk over statements, not a visitor over every node: the module scope is
    all that analysis needs, and walking bodies is most of libcst's cost."""

    def __init__(self, source: SourceFile) -> None:
        self._source = source
        self.bindings: List[Binding] = []
        self.star_imports: List[str] = []
        self.function_nodes: List[cst.FunctionDef] = []
        self.other_globals: Set[str] = set()  # bound by for, with, except, match, :=, global
        self._type_checking_depth = 0
        self._except_depth = 0

    def block(self, statements: Sequence[cst.CSTNode]) -> None:
        for statement in statements:
            self.statement(statement)

    def suite(self, suite: cst.BaseSuite, type_checking: bool = False) -> None:
        self._type_checking_depth += type_checking
        self.block(suite.body)
        self._type_checking_depth -= type_checking

    def statement(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            self.block(node.body)
        elif isinstance(node, cst.FunctionDef):
            self._define(node.name.value)
            self.function_nodes.append(node)
        elif isinstance(node, cst.ClassDef):
            self._define(node.name.value)
        elif isinstance(node, cst.If):
            self._if(node)
        elif isinstance(node, (cst.Try, cst.TryStar)):
            self._try(node)
        elif isinstance(node, (cst.For, cst.While)):
            if isinstance(node, cst.For):
                self.other_globals.update(_target_names(node.target))
            self.suite(node.body)
            if node.orelse is not None:
                self.suite(node.orelse.body)
        elif isinstance(node, cst.With):
            for item in node.items:
                if item.asname is not None:
                    self.other_globals.update(_target_names(item.asname.name))
            self.suite(node.body)
        elif isinstance(node, cst.Match):
            for case in node.cases:
                self.other_globals.update(_capture_names(case.pattern))
                self.suite(case.body)
        elif isinstance(node, cst.Import):
            self._import(node)
        elif isinstance(node, cst.ImportFrom):
            self._import_from(node)
        elif isinstance(node, cst.Assign):
            for target in node.targets:
                for name in _target_names(target.target):
                    self._define(name)
        elif isinstance(node, cst.AnnAssign):
            if isinstance(node.target, cst.Name):
                self._define(node.target.value)
        elif isinstance(node, cst.TypeAlias):
            self._define(node.name.value)

    def _if(self, node: cst.If) -> None:
        negated = (
            isinstance(node.test, cst.UnaryOperation)
            and isinstance(node.test.operator, cst.Not)
            and _is_type_checking(node.test.expression)
        )
        self.suite(node.body, type_checking=_is_type_checking(node.test))
        orelse = node.orelse
        self._type_checking_depth += negated
        if isinstance(orelse, cst.If):
            self._if(orelse)
        elif orelse is not None:
            self.suite(orelse.body)
        self._type_checking_depth -= negated

    def _try(self, node: Union[cst.Try, cst.TryStar]) -> None:
        self.suite(node.body)
        for handler in node.handlers:
            if handler.name is not None:
                self.other_globals.update(_target_names(handler.name.name))
            self._except_depth += 1
            self.suite(handler.body)
            self._except_depth -= 1
        for part in (node.orelse, node.finalbody):
            if part is not None:
                self.suite(part.body)

    def scan_for_other_bindings(self, module: cst.Module, text: str) -> None:
        """Names bound in the module scope from inside expressions (`:=`) or from functions
        (`global`). Both are rare, so the text decides whether the whole tree is walked."""
        if ":=" in text or _GLOBAL.search(text):
            finder = _OtherBindingsFinder()
            module.visit(finder)
            self.other_globals.update(finder.names)

    # Bindings.

    def _binding(self, local: str, module: Optional[str], attribute: Optional[str]) -> Binding:
        return Binding(
            local=local,
            module=module,
            attribute=attribute,
            defined_here=module == self._source.module and attribute == local,
            type_checking=self._type_checking_depth > 0,
            fallback=self._except_depth > 0,
        )

    def _define(self, local: str) -> None:
        self.bindings.append(self._binding(local, self._source.module, local))

    def _import(self, node: cst.Import) -> None:
        for alias in node.names:
            module = dotted_name(alias.name) or ""
            aliased = alias.asname is not None and isinstance(alias.asname.name, cst.Name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            else:
                local = module.split(".", 1)[0]
            # `import a.b` binds `a`, and importing `a.b` is what makes `a.b.X` readable.
            binding = self._binding(local, module, None)
            self.bindings.append(dataclasses.replace(binding, defined_here=False, aliased=aliased))

    def _import_from(self, node: cst.ImportFrom) -> None:
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
            binding = self._binding(local, module, attribute)
            self.bindings.append(dataclasses.replace(binding, defined_here=False))


_GLOBAL = re.compile(r"\bglobal\b")


class _OtherBindingsFinder(cst.CSTVisitor):
    """`x := ...` outside functions, classes and lambdas, and `global x` anywhere."""

    def __init__(self) -> None:
        super().__init__()
        self.names: Set[str] = set()
        self._local_scopes = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._local_scopes += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._local_scopes -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._local_scopes += 1

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._local_scopes -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._local_scopes += 1

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._local_scopes -= 1

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if self._local_scopes == 0 and isinstance(node.target, cst.Name):
            self.names.add(node.target.value)

    def visit_Global(self, node: cst.Global) -> None:
        self.names.update(item.name.value for item in node.names)


def _function_facts(
    node: cst.FunctionDef, positions: "_Positions", docstring: Optional[str]
) -> FunctionFacts:
    def param(param: cst.Param, kind: str) -> ParamFacts:
        line, column = positions.of(param.name)
        return ParamFacts(
            name=param.name.value,
            kind=kind,
            annotation=annotation(param.annotation) if param.annotation else None,
            has_default=param.default is not None,
            line=line,
            column=column,
        )

    def annotation(node: cst.Annotation) -> AnnotationFacts:
        return read_annotation(node.annotation, positions.of)

    returns_value = False
    if node.returns is None:
        # Only a function without a return annotation needs its body read.
        finder = _ReturnFinder()
        node.body.visit(finder)
        returns_value = finder.returns_value
    line, column = positions.of(node.name)
    return FunctionFacts(
        name=node.name.value,
        is_async=node.asynchronous is not None,
        params=tuple(param(p, kind) for p, kind in _all_params(node.params)),
        returns=annotation(node.returns) if node.returns is not None else None,
        returns_value=returns_value,
        docstring=docstring or None,
        line=line,
        column=column,
    )


class _Positions:
    """Line and column of the nodes in the headers of some functions (name, parameters,
    annotations), as libcst's PositionProvider gives them (the syntactic start: after any
    parentheses).

    PositionProvider records every node of the module and costs several times the parse. So
    the positions come from Python's own `ast` parser (about a fortieth of libcst's parse),
    paired node for node with libcst's, where the two trees have the same shape; a node that
    could not be paired that way gets its position from generating the code of the headers,
    once, on the first miss, and anything else from the provider."""

    def __init__(
        self,
        module: cst.Module,
        functions: Sequence[cst.FunctionDef],
        defs: Optional[Sequence[AstDef]],
        lines: "_Lines",
    ) -> None:
        self._module = module
        self._functions = functions
        self._defs = defs
        self._lines = lines
        self._positions = _positions_from_ast(functions, defs, lines)
        self._headers_generated = False
        self._fallback: Optional[Mapping[cst.CSTNode, CodeRange]] = None

    def of(self, node: cst.CSTNode) -> Position:
        position = self._positions.get(id(node))
        if position is None and not self._headers_generated:
            self._headers_generated = True
            generated = None
            if self._defs is not None:
                generated = _positions_from_each_header(
                    self._module, self._functions, self._defs, self._lines
                )
            if generated is None:
                generated = _positions_from_one_pass(self._module, self._functions)
            self._positions.update(generated)
            position = self._positions.get(id(node))
        if position is None:
            # Not in a header (a caller asked for something else): the full provider answers.
            if self._fallback is None:
                wrapper = MetadataWrapper(self._module, unsafe_skip_copy=True)
                self._fallback = wrapper.resolve(PositionProvider)
            start = self._fallback[node].start
            position = (start.line, start.column + 1)
        return position


class _Lines:
    """Converts `ast` positions (1-based line, column in UTF-8 bytes) to libcst's (1-based line,
    1-based column in characters)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(match.end() for match in _NEWLINE.finditer(text))]
        self._ascii = text.isascii()  # then bytes are characters: no line needs reading

    def line(self, lineno: int) -> str:
        end = self.starts[lineno] if lineno < len(self.starts) else len(self.text)
        return self.text[self.starts[lineno - 1] : end]

    def position(self, lineno: int, col_offset: int) -> Position:
        if not self._ascii:
            line = self.line(lineno)
            if not line.isascii():
                col_offset = len(line.encode("utf-8")[:col_offset].decode("utf-8", "replace"))
        return lineno, col_offset + 1


AstDef = Union[ast.FunctionDef, ast.AsyncFunctionDef]


def _python_tree(text: str) -> Optional[ast.Module]:
    """The module as Python's own parser reads it; None for syntax newer than the Python that
    runs Pants, or a lone carriage return (which `ast` and libcst may count differently)."""
    if "\r" in text.replace("\r\n", ""):
        return None
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _paired_defs(
    functions: Sequence[cst.FunctionDef], tree: Optional[ast.Module]
) -> Optional[List[AstDef]]:
    """`ast`'s definition of each of `functions`, in the same order; None when they cannot be
    paired one for one."""
    if tree is None:
        return None
    defs = list(_module_scope_defs(tree.body))
    if [d.name for d in defs] != [f.name.value for f in functions]:
        return None
    return defs


_DEF_KEYWORDS = re.compile(rb"(?:async[ \t\f]+)?def[ \t\f]+")  # on UTF-8, as ast counts


def _positions_from_ast(
    functions: Sequence[cst.FunctionDef],
    defs: Optional[Sequence[AstDef]],
    lines: _Lines,
) -> Dict[int, Position]:
    positions: Dict[int, Position] = {}
    if defs is None:
        return positions
    for function, definition in zip(functions, defs):
        line = lines.line(definition.lineno).encode("utf-8")
        keywords = _DEF_KEYWORDS.match(line, definition.col_offset)
        if keywords is not None and line.startswith(
            function.name.value.encode("utf-8"), keywords.end()
        ):
            positions[id(function.name)] = lines.position(definition.lineno, keywords.end())
        arguments = definition.args
        ast_params = [
            *arguments.posonlyargs,
            *arguments.args,
            *([arguments.vararg] if arguments.vararg else []),
            *arguments.kwonlyargs,
            *([arguments.kwarg] if arguments.kwarg else []),
        ]
        cst_params = [param for param, _ in _all_params(function.params)]
        if len(ast_params) != len(cst_params):
            continue
        for param, arg in zip(cst_params, ast_params):
            if param.name.value != arg.arg:
                break
            positions[id(param.name)] = lines.position(arg.lineno, arg.col_offset)
            if param.annotation is not None and arg.annotation is not None:
                _pair_expressions(param.annotation.annotation, arg.annotation, lines, positions)
        if function.returns is not None and definition.returns is not None:
            _pair_expressions(function.returns.annotation, definition.returns, lines, positions)
    return positions


def _pair_expressions(
    node: cst.BaseExpression, expr: ast.expr, lines: _Lines, positions: Dict[int, Position]
) -> None:
    """Records the position of `node` and of its parts from `expr`, where the two are the same
    construct; what does not pair up is left out (and generated if it is ever asked for)."""

    def record() -> None:
        positions[id(node)] = lines.position(expr.lineno, expr.col_offset)

    if isinstance(node, cst.Name):
        if isinstance(expr, ast.Name) and expr.id == node.value:
            record()
        elif (
            isinstance(expr, ast.Constant)
            and node.value in ("None", "True", "False")
            and repr(expr.value) == node.value
        ):
            record()
    elif isinstance(node, cst.Attribute):
        if isinstance(expr, ast.Attribute) and expr.attr == node.attr.value:
            record()
            _pair_expressions(node.value, expr.value, lines, positions)
    elif isinstance(node, cst.Subscript):
        if isinstance(expr, ast.Subscript):
            record()
            _pair_expressions(node.value, expr.value, lines, positions)
            _pair_slice(node.slice, expr.slice, lines, positions)
    elif isinstance(node, cst.BinaryOperation):
        if (
            isinstance(expr, ast.BinOp)
            and isinstance(expr.op, ast.BitOr)
            and isinstance(node.operator, cst.BitOr)
        ):
            record()
            _pair_expressions(node.left, expr.left, lines, positions)
            _pair_expressions(node.right, expr.right, lines, positions)
    elif isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        if isinstance(expr, ast.Constant) and isinstance(expr.value, (str, bytes)):
            record()
    elif isinstance(node, (cst.List, cst.Tuple)):
        if isinstance(expr, (ast.List, ast.Tuple)) and len(node.elements) == len(expr.elts):
            if isinstance(node, cst.List) == isinstance(expr, ast.List) and not (
                isinstance(node, cst.Tuple) and node.lpar
            ):
                record()  # a parenthesized tuple starts at its "(" in ast, after it in libcst
            for element, elt in zip(node.elements, expr.elts):
                if not isinstance(element, (cst.StarredElement,)):
                    _pair_expressions(element.value, elt, lines, positions)
    elif isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
        if isinstance(expr, ast.Constant) and isinstance(expr.value, (int, float, complex)):
            record()
    elif isinstance(node, cst.Ellipsis):
        if isinstance(expr, ast.Constant) and expr.value is ...:
            record()


def _pair_slice(
    elements: Sequence[cst.SubscriptElement],
    expr: ast.expr,
    lines: _Lines,
    positions: Dict[int, Position],
) -> None:
    indexes = [element.slice for element in elements]
    if not all(isinstance(index, cst.Index) and index.star is None for index in indexes):
        return
    values = [index.value for index in indexes if isinstance(index, cst.Index)]
    if len(values) == 1 and not isinstance(elements[0].comma, cst.Comma):
        _pair_expressions(values[0], expr, lines, positions)
    elif isinstance(expr, ast.Tuple) and len(expr.elts) == len(values):
        for value, elt in zip(values, expr.elts):
            _pair_expressions(value, elt, lines, positions)


def _positions_from_one_pass(
    module: cst.Module, functions: Sequence[cst.FunctionDef]
) -> Dict[int, Position]:
    """Generates the module's code up to the end of the last header, counting lines."""
    state = _HeaderPositionState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        headers={id(f): f for f in functions},
    )
    if functions:
        with contextlib.suppress(_AllHeadersDone):
            module._codegen(state)
    return state.positions


def _positions_from_each_header(
    module: cst.Module,
    functions: Sequence[cst.FunctionDef],
    defs: Sequence[AstDef],
    lines: _Lines,
) -> Optional[Dict[int, Position]]:
    """Generates each header alone and places it where `ast` says its `def` is: the code before
    and between the headers is never generated. None when that cannot be trusted; the one-pass
    count answers then."""
    positions: Dict[int, Position] = {}
    for function, definition in zip(functions, defs):
        start = lines.starts[definition.lineno - 1]
        indent = lines.text[start : start + definition.col_offset]  # bytes = chars if ASCII
        if indent.strip(" \t\f") or not indent.isascii():
            return None
        state = _HeaderPositionState(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            headers={id(function): function},
            stop_at_body=True,
        )
        # The enclosing blocks' indentation, as the module's code generation would emit it.
        state.indent_tokens = [indent] if indent else []
        with contextlib.suppress(_AllHeadersDone):
            function._codegen(state)
        keyword = state.positions.get(id(function))  # where `async` or `def` starts
        if keyword is None or keyword[1] != len(indent) + 1:
            return None
        shift = definition.lineno - keyword[0]
        positions.update((key, (ln + shift, col)) for key, (ln, col) in state.positions.items())
    return positions


def _module_scope_defs(statements: Sequence[ast.stmt]) -> Iterator[AstDef]:
    """The functions defined in the module scope, in the order `_Collector` finds them."""
    for statement in statements:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield statement
        elif isinstance(statement, ast.If):
            yield from _module_scope_defs(statement.body)
            yield from _module_scope_defs(statement.orelse)
        elif isinstance(statement, ast.Try):
            yield from _module_scope_defs(statement.body)
            for handler in statement.handlers:
                yield from _module_scope_defs(handler.body)
            yield from _module_scope_defs(statement.orelse)
            yield from _module_scope_defs(statement.finalbody)
        elif isinstance(statement, (ast.For, ast.AsyncFor, ast.While)):
            yield from _module_scope_defs(statement.body)
            yield from _module_scope_defs(statement.orelse)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            yield from _module_scope_defs(statement.body)


@dataclass(frozen=False)
class _HeaderPositionState(CodegenState):
    headers: Dict[int, cst.FunctionDef] = field(default_factory=dict)
    positions: Dict[int, Position] = field(default_factory=dict)
    _header: Optional[cst.FunctionDef] = None  # the function whose header is being generated
    _in_body: bool = False
    _line: int = 1
    _column: int = 0  # 0-based, like libcst's
    _counted: int = 0  # how many of `tokens` _line and _column account for
    _remaining: int = 0  # headers not generated yet
    stop_at_body: bool = False  # one header alone: nothing after it matters

    def __post_init__(self) -> None:
        self._remaining = len(self.headers)

    def _here(self) -> Position:
        for token in itertools.islice(self.tokens, self._counted, None):
            if "\n" in token or "\r" in token:
                segments = _NEWLINE.split(token)
                self._line += len(segments) - 1
                self._column = len(segments[-1])
            else:
                self._column += len(token)
        self._counted = len(self.tokens)
        return self._line, self._column + 1

    def _recording(self) -> bool:
        return self._header is not None and not self._in_body

    def before_codegen(self, node: cst.CSTNode) -> None:
        if self._header is None:
            self._header = self.headers.get(id(node))
        elif node is self._header.body:
            if self.stop_at_body:
                raise _AllHeadersDone
            self._in_body = True

    def after_codegen(self, node: cst.CSTNode) -> None:
        if self._header is None:
            return
        if node is self._header:
            self._header = None
            self._remaining -= 1
            if self._remaining == 0:
                raise _AllHeadersDone  # what follows the last header does not matter
        elif node is self._header.body:
            self._in_body = False

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> ContextManager[None]:
        # Only the start is recorded, so one shared no-op context serves every node (libcst's
        # own is a generator per node, a good part of what generating a header costs).
        if self._recording():
            self.positions[id(node)] = self._here()  # after the node's own parentheses
        return _NOTHING_TO_RECORD_AT_THE_END


_NOTHING_TO_RECORD_AT_THE_END = contextlib.nullcontext()


_NEWLINE = re.compile(r"\r\n?|\n")


class _AllHeadersDone(Exception):
    pass


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


def _capture_names(pattern: cst.CSTNode) -> List[str]:
    """The names a `case` pattern binds."""
    names: List[str] = []
    if isinstance(pattern, (cst.MatchAs, cst.MatchStar)) and pattern.name is not None:
        names.append(pattern.name.value)
    if isinstance(pattern, cst.MatchMapping) and pattern.rest is not None:
        names.append(pattern.rest.value)
    for child in pattern.children:
        names.extend(_capture_names(child))
    return names


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
