"""End to end: real Pants runs on a throwaway project that uses the Restate plugin.

What the issue demands, checked with the Pants that ./pants bootstrapped (and its own pantsd):

1. The glue cannot go stale: after a handler's signature changes, the very next `pants test`,
   `pants run`, `pants package` (and `pants check`, `pants export-codegen`) see the new glue, with
   no step in between; also without pantsd, from the persistent caches.
2. mypy, through `pants check`, rejects a call of a generated client with the wrong request type
   (naming the line) and accepts the right one; it sees the response type through the call's
   durable future too.
3. `pants tailor` proposes `restate_service` targets, and `pants export-codegen` writes the
   generated files under dist/codegen.

The tests share one project (one pantsd start) and run in file order; each first writes the
files it relies on. The module holds a machine-wide lock so that concurrent runs of it (other
checkouts, other engineers) queue instead of racing for the 2 cores.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pants_e2e import shop
from pants_e2e.pants_project import PantsProject, PantsResult, machine_lock

SHOP = "src/python/shop"
CHECKOUT = f"{SHOP}/checkout.py"
PEX = "dist/src.python.shop/main.pex"
# In the sandbox, tests/python/pants_e2e:plugin and :thirdparty put these at the same paths.
PLUGIN_DIR = Path("pants-plugins")
THIRDPARTY_DIR = Path("tests/python/pants_e2e/thirdparty")
RUNTIME_DIR = Path("src/python")  # tests/python/pants_e2e:runtime


@pytest.fixture(scope="module")
def project() -> Iterator[PantsProject]:
    with machine_lock("pants-e2e"):
        root = Path(tempfile.mkdtemp(prefix="restate-pants-e2e-"))
        proj = PantsProject.create(
            root / "project",
            plugin_dir=PLUGIN_DIR.resolve(),
            thirdparty_dir=THIRDPARTY_DIR.resolve(),
            runtime_dir=RUNTIME_DIR.resolve(),
            files=shop.files_v1(),
        )
        try:
            yield proj
        finally:
            proj.stop()
            print("[pants_e2e] Pants runs:")
            for result in proj.log:
                print(
                    f"  {result.seconds:6.1f}s rc={result.returncode} pants {' '.join(result.args)}"
                )
            if os.environ.get("RESTATE_E2E_KEEP"):
                print(f"[pants_e2e] kept {root}")
            else:
                shutil.rmtree(root, ignore_errors=True)


def glue(output: str) -> object:
    """The JSON that shop.main prints (one `GLUE {...}` line)."""
    lines = [line for line in output.splitlines() if line.startswith("GLUE ")]
    assert len(lines) == 1, output
    return json.loads(lines[0][len("GLUE ") :])


def run_main(project: PantsProject) -> object:
    result = project.ok("run", f"{SHOP}:main")
    return glue(result.stdout)


def package_and_execute_main(project: PantsProject, *extra: str) -> object:
    pex = project.root / PEX
    pex.unlink(missing_ok=True)
    project.ok(*extra, "package", f"{SHOP}::")
    proc = subprocess.run(
        [sys.executable, str(pex)],
        cwd=project.root,
        env=project.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return glue(proc.stdout)


def mypy_errors(result: PantsResult) -> list[str]:
    output = result.stdout + result.stderr
    return [line for line in output.splitlines() if re.match(r"^\S+\.py:\d+: error: ", line)]


def assert_rejected_call(result: PantsResult, line: int, given: str, expected: str) -> None:
    assert result.returncode != 0, result.describe()
    errors = mypy_errors(result)
    assert len(errors) == 1, result.describe()
    error = errors[0]
    assert error.startswith(f"{CHECKOUT}:{line}: error: "), error
    assert f'incompatible type "{given}"; expected "{expected}"' in error, error
    assert '"place" of "OrdersClient"' in error, error
    assert error.endswith("[arg-type]"), error


def test_mypy_rejects_a_wrong_request_type_and_accepts_the_right_one(
    project: PantsProject,
) -> None:
    project.write(shop.files_v1())
    project.ok("check", f"{SHOP}::")

    wrong = shop.checkout(shop.WRONG_CALL)
    project.write({CHECKOUT: wrong})
    result = project.run("check", f"{SHOP}::")
    assert_rejected_call(result, shop.call_line(wrong), given="str", expected="Order")

    project.write({CHECKOUT: shop.checkout(shop.ORDER_CALL)})
    project.ok("check", f"{SHOP}::")


def test_mypy_sees_the_response_type_through_the_call_future(project: PantsProject) -> None:
    project.write(shop.files_v1())
    wrong = shop.future_checkout("total_cents")  # an int where `checkout` returns a str
    project.write({CHECKOUT: wrong})
    result = project.run("check", f"{SHOP}::")
    assert result.returncode != 0, result.describe()
    errors = mypy_errors(result)
    assert errors == [
        f"{CHECKOUT}:{shop.use_line(wrong)}: error: Incompatible return value type "
        '(got "int", expected "str")  [return-value]'
    ], result.describe()

    project.write({CHECKOUT: shop.future_checkout("order_id")})
    project.ok("check", f"{SHOP}::")
    project.write(shop.files_v1())


def test_glue_cannot_go_stale(project: PantsProject) -> None:
    project.write(shop.files_v1())
    project.ok("test", f"{SHOP}::")
    assert run_main(project) == shop.EXPECTED_V1
    assert package_and_execute_main(project) == shop.EXPECTED_V1

    # The handler's request type changes and a handler is added; nothing else is done.
    project.write({f"{SHOP}/orders.py": shop.ORDERS_V2})

    # The test that still expects the old signature now fails, against the new glue...
    stale = project.run("test", f"{SHOP}::")
    assert stale.returncode != 0, stale.describe()
    assert "GiftOrder" in stale.stdout + stale.stderr, stale.describe()
    # ... and passes once it expects the new one.
    project.write({f"{SHOP}/glue_test.py": shop.glue_test(shop.EXPECTED_V2)})
    project.ok("test", f"{SHOP}::")
    assert run_main(project) == shop.EXPECTED_V2
    assert package_and_execute_main(project) == shop.EXPECTED_V2

    # mypy sees the new signature too: the caller's old request type is now wrong.
    result = project.run("check", f"{SHOP}::")
    old_call = shop.checkout(shop.ORDER_CALL)
    assert_rejected_call(result, shop.call_line(old_call), given="Order", expected="GiftOrder")
    project.write({CHECKOUT: shop.checkout(shop.GIFT_ORDER_CALL)})
    project.ok("check", f"{SHOP}::")

    # Back to V1 without pantsd: the persistent caches serve no stale glue either.
    project.write(shop.files_v1())
    assert package_and_execute_main(project, "--no-pantsd", "test", "check") == shop.EXPECTED_V1


def test_tailor_proposes_restate_services_and_export_codegen_writes_dist_codegen(
    project: PantsProject,
) -> None:
    project.write({**shop.files_v1(), **shop.files_billing()})

    check = project.run("tailor", "--check", "::")
    assert check.returncode != 0, check.describe()
    assert "Would update src/python/billing/BUILD:" in check.stdout, check.describe()
    assert "Add restate_service target invoices" in check.stdout, check.describe()
    # Only the handler module: not the plain one, nor those a restate_service already owns.
    assert check.stdout.count("Add ") == 1, check.describe()

    project.ok("tailor", "::")
    build = project.read("src/python/billing/BUILD")
    assert re.search(
        r'restate_service\(\s*name="invoices",\s*sources=\[\s*"invoices.py",?\s*\],?\s*\)', build
    ), build
    project.ok("tailor", "--check", "::")

    codegen = project.root / "dist" / "codegen"
    shutil.rmtree(codegen, ignore_errors=True)
    project.ok("export-codegen", "::")
    written = sorted(str(p.relative_to(codegen)) for p in codegen.rglob("*") if p.is_file())
    assert written == [
        "src/python/billing/invoices_restate.py",
        "src/python/billing/invoices_restate_client.py",
        "src/python/shop/checkout_restate.py",
        "src/python/shop/checkout_restate_client.py",
        "src/python/shop/deployment.py",
        "src/python/shop/orders_restate.py",
        "src/python/shop/orders_restate_client.py",
    ]
    client = (codegen / "src/python/billing/invoices_restate_client.py").read_text()
    assert client.startswith("# Generated by the restate_service Pants target from:\n")
    assert "#   src/python/billing/invoices.py\n" in client
    assert "class InvoicesClient(ServiceClient):" in client and "async def issue(" in client
    deployment = (codegen / "src/python/shop/deployment.py").read_text()
    assert "OrdersClient" in deployment and "CheckoutClient" in deployment
    orders = (codegen / "src/python/shop/orders_restate_client.py").read_text()
    assert "req: Order," in orders and "async def cancel(" not in orders

    # Exported glue follows the handlers as well.
    project.write({f"{SHOP}/orders.py": shop.ORDERS_V2})
    project.ok("export-codegen", f"{SHOP}:orders")
    orders = (codegen / "src/python/shop/orders_restate_client.py").read_text()
    assert "req: GiftOrder," in orders and "async def cancel(" in orders


def test_tailor_writes_no_conflict_note(project: PantsProject) -> None:
    project.write(
        {
            "src/python/refunds/BUILD": "python_sources()\n",
            "src/python/refunds/refunds.py": shop.INVOICES,
        }
    )
    result = project.run("tailor", "src/python/refunds::")
    if result.returncode != 0:
        pytest.fail(result.describe())
    build = project.read("src/python/refunds/BUILD")
    assert "restate_service(" in build, build
    assert "# NOTE" not in build, build
