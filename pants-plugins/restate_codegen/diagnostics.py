"""The user mistakes that analysis reports: one function per kind of mistake."""

from __future__ import annotations

from typing import Sequence

from restate_codegen.model import Diagnostic, SourceLocation

_EXAMPLE = "`async def greet(ctx: restate.Context, req: str) -> str`"
_SDK_EVALUATES = (
    "the Restate SDK evaluates handler annotations at runtime when it binds the handler"
)


def syntax_error(location: SourceLocation, detail: str) -> Diagnostic:
    return Diagnostic(
        location, f"syntax error: {detail}", "fix the syntax error; the module must parse as Python"
    )


def too_deeply_nested(location: SourceLocation) -> Diagnostic:
    return Diagnostic(
        location,
        "the module is too deeply nested to analyse",
        "simplify the deeply nested expressions in this module",
    )


def invalid_component_name(location: SourceLocation, problem: str) -> Diagnostic:
    return Diagnostic(
        location,
        f"invalid component name: {problem}",
        "set `service_name` on the restate_service target to a name Restate accepts, such as "
        "`UserManager` or `order-workflow`",
    )


def invalid_handler_name(location: SourceLocation, problem: str, renamed: bool) -> Diagnostic:
    if renamed:
        hint = "change the `name` this function gets in the target's `handlers` field"
    else:
        hint = (
            "rename the function, or give it a Restate name in the target's `handlers` field: "
            '`handlers={"function": {"name": "restateName"}}`'
        )
    return Diagnostic(location, f"invalid handler name: {problem}", hint)


def unknown_handler_option(
    location: SourceLocation, function: str, handlers: Sequence[str]
) -> Diagnostic:
    known = ", ".join(f"`{h}`" for h in handlers) or "none"
    return Diagnostic(
        location,
        f"the target's `handlers` field names `{function}`, which is not a handler function of "
        f"this component (its handlers: {known})",
        "use the Python function's name as the key of the `handlers` field",
    )


def reserved_handler_name(location: SourceLocation, name: str) -> Diagnostic:
    return Diagnostic(
        location,
        f"handler name {name!r} clashes with a method of the generated clients",
        f"rename the function `{name}`; to keep {name!r} as its Restate name, add "
        f'`handlers={{"<new function name>": {{"name": "{name}"}}}}` to the target',
    )


def no_handlers(location: SourceLocation) -> Diagnostic:
    return Diagnostic(
        location,
        "no Restate handlers found: no public top-level `async def` has a first parameter "
        "annotated with a Restate context type",
        f"annotate the first parameter with a restate context type, e.g. {_EXAMPLE}",
    )


def sync_handler(location: SourceLocation, name: str) -> Diagnostic:
    return Diagnostic(
        location,
        f"handler `{name}` is a plain `def`, but Restate handlers must be coroutines",
        f"write `async def {name}(...)`, or rename it `_{name}` if it is a helper, not a handler",
    )


def mixed_kinds(
    location: SourceLocation, first: str, first_kind: str, other: str, other_kind: str
) -> Diagnostic:
    """`first` and `other` read like "`greet` (Context)"."""
    return Diagnostic(
        location,
        f"handlers of more than one component kind in one target: {first} makes it a "
        f"{first_kind}, but {other} belongs to a {other_kind}",
        "one target is one component: move these handlers to separate targets, or change the "
        "context annotations so that they agree",
    )


def no_workflow_main(location: SourceLocation, component: str) -> Diagnostic:
    return Diagnostic(
        location,
        f"workflow {component!r} has no main handler (a handler whose context is WorkflowContext)",
        "annotate the context of exactly one handler with `restate.WorkflowContext`; the others "
        "take `restate.WorkflowSharedContext`",
    )


def several_workflow_mains(location: SourceLocation, name: str, first: str) -> Diagnostic:
    return Diagnostic(
        location,
        f"workflow has more than one main handler: `{name}` and `{first}` both take a "
        "WorkflowContext",
        "keep `restate.WorkflowContext` on the one main handler (it may have any name) and use "
        "`restate.WorkflowSharedContext` for the others",
    )


def duplicate_handler(location: SourceLocation, name: str, first: SourceLocation) -> Diagnostic:
    return Diagnostic(
        location,
        f"duplicate handler name `{name}`: already defined at {first}",
        "handler names must be unique within a component: rename one of the functions, or give "
        "one another Restate name in the target's `handlers` field",
    )


def bad_parameter(location: SourceLocation, handler: str, problem: str) -> Diagnostic:
    return Diagnostic(
        location,
        f"handler `{handler}` {problem}",
        f"a handler takes `(ctx)` or `(ctx, req: RequestType)`, e.g. {_EXAMPLE}",
    )


def request_default(location: SourceLocation, handler: str, param: str) -> Diagnostic:
    return Diagnostic(
        location,
        f"parameter `{param}` of handler `{handler}` has a default value, but Restate always "
        "passes it",
        "remove the default; use `Optional[...]` in the annotation for an optional request",
    )


def type_checking_only(location: SourceLocation, name: str) -> Diagnostic:
    return Diagnostic(
        location,
        f"`{name}` is only imported under `if TYPE_CHECKING:`",
        f"import it unconditionally: {_SDK_EVALUATES}",
    )


def undefined_name(location: SourceLocation, name: str, star_imports: Sequence[str]) -> Diagnostic:
    if star_imports:
        star = ", ".join(f"`from {module} import *`" for module in star_imports)
        return Diagnostic(
            location,
            f"cannot tell where `{name}` comes from (the module uses {star})",
            f"import `{name}` explicitly by name",
        )
    return Diagnostic(
        location,
        f"undefined name `{name}`: it is not imported, not defined in the module, not a builtin",
        f"import `{name}` or define it in this module",
    )


def relative_import_out_of_package(location: SourceLocation, name: str) -> Diagnostic:
    return Diagnostic(
        location,
        f"`{name}` comes from a relative import that goes beyond the top-level package",
        "fix the relative import, or import the module by its absolute name",
    )


def bad_string_annotation(location: SourceLocation, text: str) -> Diagnostic:
    return Diagnostic(
        location,
        f"the string annotation {text!r} is not a valid Python expression",
        f"fix the annotation; {_SDK_EVALUATES}",
    )


def component_option_not_for_kind(
    location: SourceLocation, setting: str, kind_label: str, applies_to: str
) -> Diagnostic:
    return Diagnostic(
        location,
        f"the target sets `{setting}`, but this component is a {kind_label}: restate-sdk takes "
        f"`{setting}` only for {applies_to}",
        f"remove `{setting}` from the restate_service target",
    )


def handler_option_not_for_kind(
    location: SourceLocation, function: str, setting: str, handler_label: str, applies_to: str
) -> Diagnostic:
    return Diagnostic(
        location,
        f"the target's `handlers` field sets `{setting}` for `{function}`, a {handler_label}: "
        f"restate-sdk takes `{setting}` only for {applies_to}",
        f'remove `{setting}` from `handlers["{function}"]`',
    )


def conflicting_state_options(location: SourceLocation) -> Diagnostic:
    return Diagnostic(
        location,
        "the target sets both `state_preload` and `enable_lazy_state`, which restate-sdk rejects",
        "keep `state_preload` (`enable_lazy_state=True` is `state_preload=False`)",
    )


def public_handler_of_private_component(location: SourceLocation, function: str) -> Diagnostic:
    return Diagnostic(
        location,
        f"the target sets `ingress_private=True`, but its `handlers` field sets "
        f"`ingress_private: False` for `{function}`: Restate rejects a public handler on a "
        "private service when the deployment is registered",
        "leave the component public and set `ingress_private: True` on each handler to hide, "
        f'or drop `ingress_private` from `handlers["{function}"]`',
    )
