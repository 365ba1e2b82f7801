"""The throwaway project the end-to-end tests run Pants on: a small shop with two Restate services.

`orders.place` is the handler whose signature the tests change (V1 -> V2); `checkout` calls it
through the generated typed client, so mypy sees whatever the glue says. `shop.main` (a
`pex_binary`) and `shop/glue_test.py` both report what the generated code exposes.
"""

from __future__ import annotations

from textwrap import dedent

BUILD = dedent(
    """\
    python_sources()

    restate_service(name="orders", sources=["orders.py"])
    restate_service(name="checkout", sources=["checkout.py"])
    restate_deployment(name="deployment", services=[":orders", ":checkout"])

    python_tests(name="tests")

    pex_binary(name="main", entry_point="shop.main:main")
    """
)

MODELS = dedent(
    """\
    from __future__ import annotations

    from dataclasses import dataclass


    @dataclass
    class Order:
        item: str
        quantity: int


    @dataclass
    class GiftOrder:
        item: str
        quantity: int
        recipient: str


    @dataclass
    class Receipt:
        order_id: str
        total_cents: int
    """
)

ORDERS_V1 = dedent(
    '''\
    """Takes orders."""

    from __future__ import annotations

    import restate

    from shop.models import Order, Receipt


    async def place(ctx: restate.Context, order: Order) -> Receipt:
        """Place one order."""
        return Receipt(order_id=f"{order.item}x{order.quantity}", total_cents=100 * order.quantity)
    '''
)

# V2 changes `place`'s request type and adds a handler.
ORDERS_V2 = dedent(
    '''\
    """Takes orders."""

    from __future__ import annotations

    import restate

    from shop.models import GiftOrder, Receipt


    async def place(ctx: restate.Context, order: GiftOrder) -> Receipt:
        """Place one gift order."""
        return Receipt(order_id=f"{order.item}-for-{order.recipient}", total_cents=250)


    async def cancel(ctx: restate.Context, order_id: str) -> bool:
        """Cancel an order."""
        return True
    '''
)

CHECKOUT_TEMPLATE = dedent(
    '''\
    """Checks out a basket through the Orders service's typed client."""

    from __future__ import annotations

    import restate

    from shop.models import GiftOrder, Order
    from shop.orders_restate_client import OrdersClient


    async def checkout(ctx: restate.Context, item: str) -> str:
        """Check out one item."""
        orders = OrdersClient.from_context(ctx)
        receipt = await orders.place({call})  # the call mypy judges
        return receipt.order_id


    __all__ = ["GiftOrder", "Order", "checkout"]
    '''
)
CALL_MARKER = "# the call mypy judges"

ORDER_CALL = "Order(item=item, quantity=1)"
GIFT_ORDER_CALL = 'GiftOrder(item=item, quantity=1, recipient="ann")'
WRONG_CALL = "item"  # a str where the handler takes a request object


def checkout(call: str) -> str:
    return CHECKOUT_TEMPLATE.format(call=call)


# The client call as a durable future, composed with restate.gather and then awaited: mypy
# must see the handler's response type (Receipt) through it.
FUTURE_CHECKOUT_TEMPLATE = dedent(
    '''\
    """Checks out a basket through the Orders service's typed client, as a future."""

    from __future__ import annotations

    import restate

    from shop.models import Order
    from shop.orders_restate_client import OrdersClient


    async def checkout(ctx: restate.Context, item: str) -> str:
        """Check out one item."""
        placed = OrdersClient.from_context(ctx).place(Order(item=item, quantity=1))
        await restate.gather(placed)
        receipt = await placed
        return receipt.{field}  # the use mypy judges
    '''
)
USE_MARKER = "# the use mypy judges"


def future_checkout(field: str) -> str:
    return FUTURE_CHECKOUT_TEMPLATE.format(field=field)


def use_line(checkout_text: str) -> int:
    """The 1-based line of the future's use in a future checkout module."""
    for number, line in enumerate(checkout_text.splitlines(), start=1):
        if USE_MARKER in line:
            return number
    raise ValueError("no use of the future in the checkout module")


def call_line(checkout_text: str) -> int:
    """The 1-based line of the client call in a checkout module."""
    for number, line in enumerate(checkout_text.splitlines(), start=1):
        if CALL_MARKER in line:
            return number
    raise ValueError("no client call in the checkout module")


# What the glue exposes, as plain JSON: the pex_binary prints it, the test module asserts it.
MAIN = dedent(
    '''\
    """Prints what the generated Restate glue exposes, as one JSON line."""

    from __future__ import annotations

    import asyncio
    import inspect
    import json

    import httpx

    from shop import deployment
    from shop.orders_restate_client import OrdersIngressClient

    MANIFEST = "application/vnd.restate.endpointmanifest.v3+json"


    async def _manifest() -> dict[str, object]:
        transport = httpx.ASGITransport(app=deployment.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            response = await client.get("/discover", headers={"accept": MANIFEST})
        response.raise_for_status()
        result: dict[str, object] = response.json()
        return result


    def describe() -> dict[str, object]:
        """Handlers per service (from the deployment's discovery) and the client's signature."""
        manifest = asyncio.run(_manifest())
        services = manifest["services"]
        assert isinstance(services, list)
        place = inspect.signature(OrdersIngressClient.place)
        return {
            "handlers": {
                s["name"]: sorted(h["name"] for h in s["handlers"]) for s in services
            },
            "place_request": str(place.parameters["req"].annotation),
            "place_response": str(place.return_annotation),
            "registry": sorted(deployment.services),
        }


    def main() -> None:
        print("GLUE " + json.dumps(describe(), sort_keys=True))


    if __name__ == "__main__":
        main()
    '''
)

EXPECTED_V1: dict[str, object] = {
    "handlers": {"Checkout": ["checkout"], "Orders": ["place"]},
    "place_request": "Order",
    "place_response": "Receipt",
    "registry": ["Checkout", "Orders"],
}

EXPECTED_V2: dict[str, object] = {
    "handlers": {"Checkout": ["checkout"], "Orders": ["cancel", "place"]},
    "place_request": "GiftOrder",
    "place_response": "Receipt",
    "registry": ["Checkout", "Orders"],
}

GLUE_TEST_TEMPLATE = dedent(
    """\
    from shop.main import describe

    EXPECTED = {expected!r}


    def test_glue_matches_the_handlers() -> None:
        assert describe() == EXPECTED
    """
)


def glue_test(expected: dict[str, object]) -> str:
    return GLUE_TEST_TEMPLATE.format(expected=expected)


def files_v1() -> dict[str, str]:
    return {
        "src/python/shop/BUILD": BUILD,
        "src/python/shop/__init__.py": "",
        "src/python/shop/models.py": MODELS,
        "src/python/shop/orders.py": ORDERS_V1,
        "src/python/shop/checkout.py": checkout(ORDER_CALL),
        "src/python/shop/main.py": MAIN,
        "src/python/shop/glue_test.py": glue_test(EXPECTED_V1),
    }


# For tailor: a handler module and a plain module, with only `python_sources()` so far.
INVOICES = dedent(
    '''\
    """Issues invoices."""

    from __future__ import annotations

    import restate


    async def issue(ctx: restate.Context, order_id: str) -> str:
        """Issue the invoice for an order."""
        return f"invoice-{order_id}"
    '''
)

TAXES = dedent(
    """\
    def vat(cents: int) -> int:
        return cents * 20 // 100
    """
)


def files_billing() -> dict[str, str]:
    return {
        "src/python/billing/BUILD": "python_sources()\n",
        "src/python/billing/__init__.py": "",
        "src/python/billing/invoices.py": INVOICES,
        "src/python/billing/taxes.py": TAXES,
    }
