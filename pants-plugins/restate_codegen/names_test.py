from __future__ import annotations

import pytest

from restate_codegen.names import (
    class_stem,
    component_name_problem,
    handler_name_problem,
    python_identifier,
)


@pytest.mark.parametrize(
    "name, stem",
    [
        ("order-workflow", "OrderWorkflow"),
        ("account", "Account"),
        ("UserManager", "UserManager"),
        ("userManager", "UserManager"),
        ("machine_operator", "MachineOperator"),
        ("Order.Service", "OrderService"),
        ("a.b-c_d", "ABCD"),
        ("_private", "Private"),
        ("_1", "_1"),
        ("x--y", "XY"),
    ],
)
def test_class_stem(name: str, stem: str) -> None:
    assert component_name_problem(name) is None
    assert class_stem(name) == stem
    assert f"{stem}Client".isidentifier()


@pytest.mark.parametrize("name", ["addTicket", "_x", "restate", "a1", "A_b"])
def test_handler_names_restate_accepts(name: str) -> None:
    assert handler_name_problem(name) is None


@pytest.mark.parametrize("name", ["order-now", "a.b", "1x", "__x", "x y", "ünï", ""])
def test_handler_names_restate_rejects(name: str) -> None:
    problem = handler_name_problem(name)
    assert problem is not None and repr(name) in problem


@pytest.mark.parametrize(
    "text, ident", [("ticket-office", "ticket_office"), ("1x", "_1x"), ("class", "_class")]
)
def test_python_identifier(text: str, ident: str) -> None:
    assert python_identifier(text) == ident
