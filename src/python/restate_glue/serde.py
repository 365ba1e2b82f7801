"""JSON serdes for generated bindings, and the 400 for a request that fails validation."""

from __future__ import annotations

import functools
import importlib
import json
import sys
import typing
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Generic, TypeVar, cast, get_args, get_origin, get_type_hints

import pydantic
import restate
from restate.serde import Serde

T = TypeVar("T")

_SUPPORTED = (
    "pydantic models, dataclasses, msgspec Structs, TypedDicts, enums, Literal, "
    "primitives, and Optional/list/dict of those"
)


class SerdeError(restate.TerminalError):
    """A value or a type that the generated glue cannot (de)serialize.

    Terminal: inside a handler it ends the invocation (restate-sdk retries any other
    exception, forever, and retrying cannot fix a type); outside, it is an ordinary exception.
    The message names the type, the handler and what to do.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, status_code=500)


class JsonSerde(Serde[T], Generic[T]):
    """JSON for one request or response type, whatever the type is made of.

    msgspec Structs go through msgspec; everything else (dataclasses, pydantic models,
    primitives, Optional, list, dict, ...) through pydantic's TypeAdapter. The annotation is
    evaluated in `module` at the first (de)serialization, as restate-sdk's decorator would read
    it there, so building one imports nothing. `imports` adds names to that namespace, imported
    only then: `{"Rally": "app.models:Rally"}` (an attribute), `{"m": "app.models"}` (a module;
    `{"app": "app.models"}` binds the top-level package, as `import app.models` does). Generated
    clients import the types their signatures use only under TYPE_CHECKING and name them here,
    so that importing a client never imports another module of the user's (no import cycles).
    None is the empty body, as with the SDK's serdes. `handler` ("Component/handler") is named
    in the `SerdeError` that any failure becomes.
    """

    def __init__(
        self,
        annotation: str,
        module: str,
        imports: Mapping[str, str] | None = None,
        *,
        handler: str | None = None,
    ) -> None:
        self.annotation = annotation
        self.module = module
        self.imports = dict(imports or {})
        self.handler = handler

    @classmethod
    def for_type(cls, tp: Any, *, handler: str | None = None) -> JsonSerde[T]:
        """The serde of a type object at hand (`int`, `list[Point]`, a model class) rather
        than of an annotation to evaluate later."""
        serde = cls(getattr(tp, "__qualname__", repr(tp)), getattr(tp, "__module__", __name__))
        serde.handler = handler
        serde.__dict__["_type"] = tp  # what `_type` would evaluate the annotation to
        return serde

    def _error(self, doing: str, error: Exception, hint: str) -> SerdeError:
        where = f" for the handler {self.handler}" if self.handler else ""
        return SerdeError(
            f"cannot {doing} `{self.annotation}` (from {self.module}){where}: "
            f"{type(error).__name__}: {error}. {hint}"
        )

    @functools.cached_property  # once built, a plain attribute: this runs on every call
    def _checked_codec(self) -> tuple[Callable[[bytes], Any], Callable[[Any], bytes]]:
        try:
            return self._codec
        except Exception as error:
            raise self._error(
                "use the type",
                error,
                f"Fix the annotation: it must be importable at runtime and one of {_SUPPORTED}.",
            ) from error

    def __repr__(self) -> str:
        imports = f", {self.imports!r}" if self.imports else ""
        return f"JsonSerde({self.annotation!r}, {self.module!r}{imports})"

    @functools.cached_property
    def _type(self) -> Any:
        # The annotation as the module spells it; `typing` is there for the generated
        # `typing.Any` of an unannotated request or response, unless the module binds it itself.
        namespace = {"typing": typing, **vars(importlib.import_module(self.module))}
        namespace.update((local, _imported(local, spec)) for local, spec in self.imports.items())
        return eval(self.annotation, namespace)

    @functools.cached_property
    def _codec(self) -> tuple[Callable[[bytes], Any], Callable[[Any], bytes]]:
        tp = self._type
        if tp is bytes:  # the raw body, not a JSON string
            return bytes, bytes
        msgspec = sys.modules.get("msgspec")
        structs = msgspec is not None and _uses(tp, msgspec.Struct, set())
        if structs and _uses(tp, pydantic.BaseModel, set()):
            raise TypeError(
                f"{self.annotation} (in {self.module}) mixes msgspec Structs and pydantic "
                "models, and neither library serializes the other's: use one of them here"
            )
        if (
            structs and msgspec is not None
        ):  # msgspec handles the dataclasses and primitives around them too
            # A Decoder built once per type costs a third less per call than decode(type=).
            return msgspec.json.Decoder(tp).decode, msgspec.json.Encoder().encode
        try:
            adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(tp)
        except pydantic.PydanticUserError as error:
            if error.code != "typed-dict-version":
                raise
            # pydantic takes only typing_extensions.TypedDict before Python 3.12; restate-sdk's
            # own serde passes such values through as plain JSON, and so do we.
            return json.loads, _json_dumps
        return adapter.validate_json, adapter.dump_json

    def deserialize(self, buf: bytes) -> T | None:
        return self.decode(buf)

    def decode(self, buf: bytes) -> T:
        """The value in `buf`, typed as the annotation declares."""
        decode = self._checked_codec[0]
        if not buf and decode is not bytes:
            return cast(T, None)
        try:
            return cast(T, decode(buf))
        except Exception as error:
            raise self._error(
                "read a value as",
                error,
                "The JSON does not match the declared type: make the annotations of the handler "
                "and of its callers agree.",
            ) from error

    def serialize(self, obj: T | None) -> bytes:
        if obj is None:
            return b""
        encode = self._checked_codec[1]
        try:
            return encode(obj)
        except Exception as error:
            raise self._error(
                f"write a value of type {type(obj).__name__} as",
                error,
                "Return (or pass) a value of the declared type, or declare the type it is.",
            ) from error


def _json_dumps(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


def _imported(local: str, spec: str) -> Any:
    module_name, _, attribute = spec.partition(":")
    module = importlib.import_module(module_name)
    if attribute:
        return getattr(module, attribute)
    if local == module_name.split(".", 1)[0]:
        return importlib.import_module(local)
    return module


def _uses(tp: Any, base: type, seen: set[int]) -> bool:
    """Whether `tp` is, or holds in its type arguments or fields, a subclass of `base`."""
    if id(tp) in seen:
        return False
    seen.add(id(tp))
    if get_origin(tp) is not None:
        return any(_uses(arg, base, seen) for arg in get_args(tp))
    if not isinstance(tp, type):
        return False
    if issubclass(tp, base):
        return True
    try:  # dataclasses, pydantic models and Structs declare their fields as annotations
        fields = get_type_hints(tp)
    except Exception:  # a field type that cannot be resolved: let the codec report it
        return False
    return any(_uses(field, base, seen) for field in fields.values())


class InvalidRequest:
    """Stands in for a request body that failed validation (see `RequestSerde`, `checked`)."""

    def __init__(self, message: str) -> None:
        self.message = message


class RequestSerde(JsonSerde[T]):
    """A request serde that hands a validation failure to the handler instead of raising.

    restate-sdk answers any exception from an input serde with a 500; `checked` turns this
    marker into the 400 a malformed request deserves, with the validation message.
    """

    def deserialize(self, buf: bytes) -> Any:
        try:
            return self.decode(buf)
        except SerdeError as error:
            cause = error.__cause__
            if isinstance(cause, pydantic.ValidationError):
                return InvalidRequest(str(cause))
            msgspec = sys.modules.get("msgspec")
            if msgspec is not None and isinstance(cause, msgspec.DecodeError):
                return InvalidRequest(str(cause))
            raise


Handler = Callable[[Any, Any], Coroutine[Any, Any, Any]]


def checked(handler: Handler) -> Handler:
    """`handler`, answering a request that failed validation with a 400 TerminalError."""

    @functools.wraps(handler)
    async def checked_handler(ctx: Any, req: Any) -> Any:
        if isinstance(req, InvalidRequest):
            raise restate.TerminalError(f"invalid request: {req.message}", status_code=400)
        return await handler(ctx, req)

    return checked_handler
