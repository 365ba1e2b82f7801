"""JSON serdes for generated bindings, and the 400 for a request that fails validation."""

from __future__ import annotations

import functools
import importlib
import json
import logging
import sys
import typing
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Generic, TypeVar, cast, get_args, get_origin, get_type_hints

import pydantic
import restate
from restate.serde import Serde

T = TypeVar("T")

logger = logging.getLogger(__name__)

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

    Types holding msgspec Structs go through msgspec (pydantic models inside them through
    pydantic, by msgspec's hooks); everything else (dataclasses, pydantic models, primitives,
    Optional, list, dict, ...) through pydantic's TypeAdapter, except what pydantic refuses
    (`typing.TypedDict` before Python 3.12), which msgspec serves too. The annotation is
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

    def _msgspec(self, tp: Any) -> Any:
        """The msgspec module if `tp` holds msgspec Structs (then msgspec serves all of it),
        else None. Raises TypeError for a pydantic model holding a Struct: neither library
        can serve that."""
        msgspec = sys.modules.get("msgspec")
        if msgspec is None or not _uses(tp, msgspec.Struct):
            return None
        if any(
            issubclass(model, pydantic.BaseModel)
            and any(_uses(field, msgspec.Struct) for field in _fields(model))
            for model in _reachable(tp, set())
        ):
            raise TypeError(
                f"{self.annotation} (in {self.module}) has a pydantic model with a msgspec "
                "Struct field, and pydantic cannot serialize Structs: make that field a "
                "pydantic model or a dataclass, or the model a Struct"
            )
        return msgspec

    @functools.cached_property
    def _library(self) -> tuple[str, Any]:
        """Which library serves the type, and its handle: ("bytes", None) for the raw body,
        ("msgspec", the module), ("pydantic", a TypeAdapter) or ("json", None)."""
        tp = self._type
        if tp is bytes:  # the raw body, not a JSON string
            return "bytes", None
        msgspec = self._msgspec(tp)
        if msgspec is not None:  # msgspec handles the dataclasses and primitives around them too
            return "msgspec", msgspec
        try:
            return "pydantic", pydantic.TypeAdapter(tp)
        except pydantic.PydanticUserError as error:
            if error.code != "typed-dict-version":
                raise
            # pydantic takes only typing_extensions.TypedDict before Python 3.12. msgspec takes
            # typing's, and the dataclasses, enums and Literals around it; without msgspec,
            # plain JSON, as restate-sdk's own serde passes such values.
            msgspec = _import_msgspec()
            return ("json", None) if msgspec is None else ("msgspec", msgspec)

    @functools.cached_property
    def _codec(self) -> tuple[Callable[[bytes], Any], Callable[[Any], bytes]]:
        library, handle = self._library
        if library == "bytes":
            return bytes, bytes
        if library == "msgspec":
            return _msgspec_codec(handle, self._type)
        if library == "pydantic":
            return handle.validate_json, handle.dump_json
        return json.loads, _json_dumps

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

    def json_schema(self) -> dict[str, Any] | None:
        """The JSON schema of the annotation, as the (de)serialization sees it; None for the
        raw body (`bytes`) and for plain JSON."""
        library, handle = self._library
        if library == "msgspec":
            return _msgspec_schema(handle, self._type)
        if library == "pydantic":
            return cast(dict[str, Any], handle.json_schema(mode="serialization"))
        return None


def _import_msgspec() -> Any:
    try:
        return importlib.import_module("msgspec")
    except ImportError:
        return None


def _msgspec_codec(msgspec: Any, tp: Any) -> tuple[Callable[[bytes], Any], Callable[[Any], bytes]]:
    # A Decoder built once per type costs a third less per call than decode(type=). Pydantic
    # models inside go through pydantic, by the hooks.
    return (
        msgspec.json.Decoder(tp, dec_hook=_pydantic_from_builtins).decode,
        msgspec.json.Encoder(enc_hook=_pydantic_to_builtins).encode,
    )


def _msgspec_schema(msgspec: Any, tp: Any) -> dict[str, Any]:
    defs: dict[str, Any] = {}
    schema: dict[str, Any] = msgspec.json.schema(
        tp, schema_hook=functools.partial(_pydantic_schema, defs)
    )
    if defs:
        schema.setdefault("$defs", {}).update(
            (name, d) for name, d in defs.items() if name not in schema["$defs"]
        )
    return schema


def _json_dumps(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


def _pydantic_to_builtins(value: Any) -> Any:
    """msgspec's `enc_hook`: a pydantic model inside a Struct, as pydantic would write it."""
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"Encoding objects of type {type(value).__name__} is unsupported")


def _pydantic_from_builtins(tp: Any, value: Any) -> Any:
    """msgspec's `dec_hook`: a pydantic model inside a Struct, validated by pydantic."""
    if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
        return tp.model_validate(value)
    # msgspec reports a TypeError here as a ValidationError naming the path, as without a hook.
    raise TypeError(f"Decoding {getattr(tp, '__name__', tp)} objects is unsupported")


def _pydantic_schema(defs: dict[str, Any], tp: Any) -> dict[str, Any]:
    """msgspec's `schema_hook`: pydantic's own schema of a model inside a Struct, its
    definitions moved to the top level (`defs`), where its references point."""
    if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
        schema = tp.model_json_schema(mode="serialization", ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        return schema
    raise NotImplementedError(f"no JSON schema for {tp!r}")


def fill_json_schemas(definition: Any) -> None:
    """Lets restate-sdk's discovery describe every handler of `definition` (a Service,
    VirtualObject or Workflow whose handlers use the glue's serdes).

    restate-sdk builds the JSON schema of a msgspec Struct or pydantic model request/response
    itself, when the endpoint is discovered; for a Struct holding a pydantic model msgspec
    raises there, discovery answers 500 and no handler of the whole deployment registers.
    Where that happens, the schema comes from the glue's serde instead; if that fails too,
    the handler is announced without a schema and a warning names it and both errors.
    """
    for handler in definition.handlers.values():
        io = handler.handler_io
        for hint, serde in ((io.input_type, io.input_serde), (io.output_type, io.output_serde)):
            if hint is None or hint.generate_json_schema is None:
                continue
            if isinstance(serde, JsonSerde):
                hint.generate_json_schema = functools.partial(
                    _schema_or_fallback, hint.generate_json_schema, serde
                )


def _schema_or_fallback(
    sdk_schema: Callable[[], dict[str, Any]], serde: JsonSerde[Any]
) -> dict[str, Any] | None:
    try:
        return sdk_schema()
    except Exception as sdk_error:
        try:
            return serde.json_schema()
        except Exception as error:
            logger.warning(
                "%s: announcing `%s` (from %s) without a JSON schema: restate-sdk could not "
                "build one (%s: %s), nor could the glue (%s: %s)",
                serde.handler or "a handler",
                serde.annotation,
                serde.module,
                type(sdk_error).__name__,
                sdk_error,
                type(error).__name__,
                error,
            )
            return None


def _imported(local: str, spec: str) -> Any:
    module_name, _, attribute = spec.partition(":")
    module = importlib.import_module(module_name)
    if attribute:
        return getattr(module, attribute)
    if local == module_name.split(".", 1)[0]:
        return importlib.import_module(local)
    return module


def _reachable(tp: Any, seen: set[int]) -> list[type]:
    """The classes `tp` is or holds, in its type arguments and fields, recursively."""
    if id(tp) in seen:
        return []
    seen.add(id(tp))
    if get_origin(tp) is not None:
        return [c for arg in get_args(tp) for c in _reachable(arg, seen)]
    if not isinstance(tp, type):
        return []
    return [tp, *(c for field in _fields(tp) for c in _reachable(field, seen))]


def _fields(tp: type) -> list[Any]:
    """The annotated field types of a dataclass, pydantic model or Struct (or any class)."""
    try:
        return list(get_type_hints(tp).values())
    except Exception:  # a field type that cannot be resolved: let the codec report it
        return []


def _uses(tp: Any, base: type) -> bool:
    """Whether `tp` is, or holds in its type arguments or fields, a subclass of `base`."""
    return any(issubclass(c, base) for c in _reachable(tp, set()))


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
