"""The `restate_service` Pants backend: gathers the rules and target types of this package."""


def rules():  # type: ignore[no-untyped-def]
    return []


def target_types():  # type: ignore[no-untyped-def]
    return []
