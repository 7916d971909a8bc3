"""What a tool is, and the ways to make one.

A `Tool` is a name, a description, an input JSON Schema, an optional output JSON Schema and a
callable (sync or async) that takes the arguments as keywords. `Tool.from_function` reads all of that
from a Python function; `Tool.from_schema` takes it as given. Every call is validated against the
input schema before the callable runs.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import keyword
import operator
import re
import sys
import types
import typing
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, overload

import docstring_parser
import jsonschema_rs
import pydantic
import typing_extensions
from pydantic.json_schema import GenerateJsonSchema

from ._errors import RegistrationError, ToolArgumentError
from ._schema import normalize_schema

ToolFunction = Callable[..., Any]
ApprovalRule = bool | Callable[[dict[str, Any]], bool]


def python_name(name: str) -> str:
    """The Python identifier a tool or property name is called by in model code.

    `get-weather` -> `get_weather`, `3d.render` -> `tool_3d_render`, `from` -> `from_`,
    `describe` -> `describe_` (reserved for tool discovery), `__init__` -> `init__`, `café` -> `cafe`. Leading underscores go because model code may not
    touch `_` names; anything else outside ASCII letters, digits and `_` becomes `_`.
    """
    chars = []
    for char in name:
        if char.isascii():
            chars.append(char if char.isalnum() or char == "_" else "_")
        else:
            ascii_part = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            chars.append("".join(c for c in ascii_part if c.isalnum()) or "_")
    text = re.sub(r"_{2,}", "_", "".join(chars)) if "".join(chars) != name else name
    text = text.lstrip("_")
    if not text.strip("_"):
        text = "tool"
    if text[0].isdigit():
        text = "tool_" + text
    if keyword.iskeyword(text) or text in _RESERVED:
        text += "_"
    return text


def keyword_names(schema: Mapping[str, Any]) -> dict[str, str]:
    """Python keyword -> property name, for the properties model code can pass as keywords.

    Identifiers map to themselves; keywords get a trailing underscore (`from` -> `from_`); other
    names are made identifiers (`user-id` -> `user_id`) unless that clashes with another property,
    in which case the property can only be passed in a dict.
    """
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return {}
    names: dict[str, str] = {}
    for prop in properties:
        if isinstance(prop, str) and prop.isidentifier() and not keyword.iskeyword(prop):
            names[prop] = prop
    for prop in properties:
        if not isinstance(prop, str) or prop in names:
            continue
        spelled = prop + "_" if keyword.iskeyword(prop) else python_name(prop)
        if spelled not in names and spelled not in properties:
            names[spelled] = prop
    return names


# Names that would shadow what model code needs on the `codemode` object (the last two are the
# discovery functions, see `_discovery.py`): a tool called `describe` is `codemode.describe_`.
_RESERVED = frozenset({"ToolError", "ToolArgumentError", "search_tools", "describe"})


class _NoTitles(GenerateJsonSchema):
    """pydantic's schema without the auto-generated per-field titles ("City" for `city`)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class ToolAnnotations:
    """Hints about what a tool does, as MCP servers give them (`readOnlyHint`, ...).

    `None` means the tool does not say. They are hints from whoever wrote the tool, shown to the
    model in the stub's docstring; filter on them (`[t for t in tools if t.annotations.read_only]`)
    only as far as you trust their source.
    """

    read_only: bool | None = None  # it does not change its environment
    destructive: bool | None = None  # it may delete or overwrite (meaningful when not read-only)
    idempotent: bool | None = None  # calling it again with the same arguments changes nothing more
    open_world: bool | None = None  # it reaches outside a closed domain (the web, not a database)

    def describe(self) -> str:
        """`read-only, idempotent`: what is said, for a docstring; empty when nothing is."""
        words = [
            ("read-only" if self.read_only else "not read-only")
            if self.read_only is not None
            else "",
            ("destructive" if self.destructive else "not destructive")
            if self.destructive is not None and not self.read_only
            else "",
            ("idempotent" if self.idempotent else "") if not self.read_only else "",
            ("open world" if self.open_world else "closed world")
            if self.open_world is not None
            else "",
        ]
        return ", ".join(word for word in words if word)


class Tool:
    """A callable the model may use, with the schemas that describe it.

    Calling a `Tool` directly (`tool(x=1)`) calls the wrapped function unvalidated, so a function
    decorated with `@codemode.tool` keeps working as a function.
    """

    __slots__ = (
        "_arguments_model",
        "_is_async",
        "_output_validator",
        "_validator",
        "annotations",
        "description",
        "fn",
        "input_schema",
        "keywords",
        "name",
        "output_schema",
        "positional",
        "python_name",
        "requires_approval",
        "threaded",
        "title",
    )

    def __init__(
        self,
        name: str,
        description: str,
        input_schema: Mapping[str, Any],
        fn: ToolFunction,
        *,
        output_schema: Mapping[str, Any] | None = None,
        threaded: bool | None = None,
        arguments_model: type[pydantic.BaseModel] | None = None,
        requires_approval: ApprovalRule = False,
        title: str | None = None,
        annotations: ToolAnnotations | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise RegistrationError("a tool needs a non-empty string name")
        if not callable(fn):
            raise RegistrationError(f"tool {name!r}: fn must be callable, got {type(fn).__name__}")
        if not isinstance(input_schema, Mapping):
            raise RegistrationError(f"tool {name!r}: input_schema must be a JSON Schema object")
        self.name = name
        self.python_name = python_name(name)
        self.description = description or ""
        self.title = title or None  # a human-readable name, shown in the stub's docstring
        self.annotations = annotations or ToolAnnotations()
        self.input_schema: dict[str, Any] = dict(input_schema)
        self.output_schema: dict[str, Any] | None = (
            dict(output_schema) if output_schema is not None else None
        )
        self.fn = fn
        if not isinstance(requires_approval, bool) and not callable(requires_approval):
            raise RegistrationError(
                f"tool {name!r}: requires_approval must be a bool or a callable of the "
                f"arguments, got {type(requires_approval).__name__}"
            )
        # True, False, or a predicate of the validated arguments (`lambda a: a["amount"] > 100`)
        self.requires_approval = requires_approval
        self._is_async = _is_async_callable(fn)
        # Sync functions run in a worker thread by default so that a blocking tool (an HTTP
        # request) does not stall the event loop and `asyncio.gather` really overlaps them.
        self.threaded = (not self._is_async) if threaded is None else threaded
        self._arguments_model = arguments_model
        self.keywords = keyword_names(self.input_schema)
        # Parameters model code may also pass by position, in order (the discovery built-ins:
        # `search_tools("refund an order")`); other tools take keywords or one dict.
        self.positional: tuple[str, ...] = ()
        self._validator = None if arguments_model is not None else _compile_validator(self)
        self._output_validator: Any = _UNCOMPILED  # compiled on the first result it checks

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def from_function(
        cls,
        fn: ToolFunction,
        *,
        name: str | None = None,
        description: str | None = None,
        threaded: bool | None = None,
        requires_approval: ApprovalRule = False,
        title: str | None = None,
        annotations: ToolAnnotations | None = None,
    ) -> Tool:
        """Make a tool from a plain function (sync or async) with type hints and a docstring.

        The input schema comes from the signature through pydantic (TypedDict, pydantic models,
        Literal, enums, Optional, defaults, containers); per-parameter descriptions come from the
        docstring (Google, NumPy or Sphinx style); the return annotation gives the output schema.

        >>> def add(a: int, b: int = 1) -> int:
        ...     '''Add two numbers.'''
        ...     return a + b
        >>> Tool.from_function(add).input_schema["required"]
        ['a']
        """
        if isinstance(fn, Tool):
            return fn
        target = inspect.unwrap(fn)
        doc = docstring_parser.parse(inspect.getdoc(target) or "")
        param_docs = {p.arg_name.lstrip("*"): (p.description or "").strip() for p in doc.params}
        try:
            hints = typing.get_type_hints(target, include_extras=True)
        except Exception as exc:  # unresolvable forward references
            raise RegistrationError(
                f"tool {getattr(fn, '__name__', fn)!r}: cannot resolve type hints: {exc}"
            ) from exc
        fields: dict[str, Any] = {}
        for param in inspect.signature(target).parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            if param.kind is param.POSITIONAL_ONLY:
                raise RegistrationError(
                    f"tool {target.__name__!r}: positional-only parameter {param.name!r} cannot "
                    "be passed by keyword"
                )
            annotation = _portable(hints.get(param.name, Any))
            default = ... if param.default is param.empty else param.default
            info = pydantic.Field(default, description=param_docs.get(param.name) or None)
            fields[param.name] = (annotation, info)
        tool_name = name or target.__name__
        if tool_name == "<lambda>":  # it would be called `lambda_`, a name no model would guess
            raise RegistrationError(
                "a lambda has no name a model can call it by; use a def with a docstring, or "
                "Tool.from_function(fn, name=..., description=...)"
            )
        try:
            model = pydantic.create_model(
                f"{tool_name}_arguments", __config__=pydantic.ConfigDict(extra="forbid"), **fields
            )
            input_schema = model.model_json_schema(schema_generator=_NoTitles)
        except (pydantic.PydanticUserError, pydantic.PydanticSchemaGenerationError) as exc:
            raise RegistrationError(f"tool {tool_name!r}: {exc}") from exc
        input_schema.pop("title", None)
        output_schema = _output_schema(_portable(hints.get("return", inspect.Signature.empty)))
        text = description
        if text is None:
            text = "\n\n".join(
                part for part in (doc.short_description, doc.long_description) if part
            )
        return cls(
            tool_name,
            text,
            input_schema,
            fn,
            output_schema=output_schema,
            threaded=threaded,
            arguments_model=model,
            requires_approval=requires_approval,
            title=title,
            annotations=annotations,
        )

    @classmethod
    def from_schema(
        cls,
        *,
        name: str,
        description: str = "",
        input_schema: Mapping[str, Any],
        fn: ToolFunction,
        output_schema: Mapping[str, Any] | None = None,
        threaded: bool | None = None,
        requires_approval: ApprovalRule = False,
        title: str | None = None,
        annotations: ToolAnnotations | None = None,
    ) -> Tool:
        """Make a tool from a raw JSON Schema; `fn` receives the validated arguments as keywords.

        `requires_approval` (also on `from_function` and `@tool`): True, or a predicate of the
        validated arguments, makes a call wait for a decision (see `Codemode.resume`).
        """
        return cls(
            name,
            description,
            input_schema,
            fn,
            output_schema=output_schema,
            threaded=threaded,
            requires_approval=requires_approval,
            title=title,
            annotations=annotations,
        )

    # -- calling ------------------------------------------------------------------------------

    def validate(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """Check `args` against the input schema and return the keywords for `fn`.

        Raises `ToolArgumentError` naming the tool, the field path and what was expected.
        """
        if self._arguments_model is not None:
            try:
                parsed = self._arguments_model.__pydantic_validator__.validate_python(args)
            except pydantic.ValidationError as exc:
                raise ToolArgumentError(
                    _pydantic_message(self, exc), tool=self.python_name
                ) from None
            values = parsed.__dict__
            return {key: values[key] for key in parsed.__pydantic_fields_set__}
        if self._validator is not None and not self._validator.is_valid(args):
            raise ToolArgumentError(_schema_message(self, args), tool=self.python_name)
        return dict(args)

    def needs_approval(self, kwargs: Mapping[str, Any]) -> bool:
        """Whether a call with these validated arguments waits for a decision. A predicate
        that raises counts as yes: a broken rule must not let a guarded call through."""
        rule = self.requires_approval
        if rule is True or rule is False:
            return rule
        try:
            return bool(rule(dict(kwargs)))
        except Exception:
            return True

    async def invoke(self, args: Mapping[str, Any]) -> Any:
        """Validate `args`, call the function (in a thread if `threaded`) and return its result."""
        kwargs = self.validate(args)
        if self._is_async:
            return await self.fn(**kwargs)
        return await self.call_sync(kwargs)

    def check_output(self, value: Any) -> str | None:
        """Why `value` (a JSON-safe result) does not fit the output schema, or None when it fits
        or the tool has no output schema (or one the validator cannot compile)."""
        validator = self._output_validator
        if validator is _UNCOMPILED:
            validator = self._output_validator = _compile_output_validator(self.output_schema)
        if validator is None or validator.is_valid(value):
            return None
        problems = []
        for error in validator.iter_errors(value):
            path = _format_path(error.instance_path)
            problems.append(f"{'at ' + path + ': ' if path else ''}{error.message}")
            if len(problems) == 3:
                break
        return "; ".join(problems) or "does not match"

    @property
    def is_async(self) -> bool:
        """Whether `fn` is a coroutine function (awaited directly on the caller's loop)."""
        return self._is_async

    async def call_sync(self, kwargs: dict[str, Any]) -> Any:
        """Call a sync `fn` with validated keywords: in a worker thread if `threaded`."""
        if self.threaded:
            return await asyncio.to_thread(self.fn, **kwargs)
        result = self.fn(**kwargs)
        if inspect.isawaitable(result):
            return await result
        return result

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Tool(name={self.name!r})"


def _is_async_callable(fn: Any) -> bool:
    while isinstance(fn, functools.partial):
        fn = fn.func
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004 - async __call__ on callable objects
    )


def _portable(annotation: Any) -> Any:
    """`typing.TypedDict` classes (anywhere in `annotation`) as `typing_extensions.TypedDict`.

    On Python < 3.12 pydantic accepts only the latter; users reasonably write the former.
    """
    if sys.version_info >= (3, 12):
        return annotation
    return _convert_typeddicts(annotation, {})


def _convert_typeddicts(annotation: Any, seen: dict[Any, Any]) -> Any:
    if typing.is_typeddict(annotation) and type(annotation).__module__ == "typing":
        if annotation in seen:
            return seen[annotation]
        hints = typing.get_type_hints(annotation, include_extras=True)
        fields = {}
        for key, value in hints.items():
            value = _convert_typeddicts(value, seen)
            marker = (
                typing_extensions.Required
                if key in annotation.__required_keys__
                else typing_extensions.NotRequired
            )
            fields[key] = marker[value]
        converted = typing_extensions.TypedDict(annotation.__name__, fields)  # type: ignore[misc]
        converted.__doc__ = annotation.__doc__
        converted.__module__ = annotation.__module__
        seen[annotation] = converted
        return converted
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if not args or origin is None or origin is typing.Literal:
        return annotation
    new_args = tuple(_convert_typeddicts(arg, seen) for arg in args)
    if new_args == args:
        return annotation
    if origin is typing.Annotated:
        return typing.Annotated[(new_args[0], *annotation.__metadata__)]
    if origin in (typing.Union, types.UnionType):
        return functools.reduce(operator.or_, new_args)
    try:
        return annotation.copy_with(new_args)  # typing generics: List[X], Optional[X]
    except AttributeError:
        return origin[new_args if len(new_args) > 1 else new_args[0]]  # list[X], dict[K, V]


def _output_schema(annotation: Any) -> dict[str, Any] | None:
    if annotation is inspect.Signature.empty or annotation is Any or annotation is None:
        return None
    if annotation is type(None):
        return None
    try:
        schema = pydantic.TypeAdapter(annotation).json_schema(
            mode="serialization", schema_generator=_NoTitles
        )
    except pydantic.PydanticSchemaGenerationError:
        return None  # a return type pydantic cannot describe (a client object): typed Any
    except pydantic.PydanticUserError as exc:
        raise RegistrationError(f"return annotation {annotation!r}: {exc}") from exc
    return schema or None


def _compile_validator(tool: Tool) -> Any:
    schema = normalize_schema(tool.input_schema)
    without_dialect = {k: v for k, v in schema.items() if k != "$schema"}
    # A schema the validator cannot compile (they exist in the wild) still gets its top-level
    # shape checked, so a call is never silently unvalidated at the root.
    for candidate in (schema, without_dialect, _root_only(schema)):
        try:
            return jsonschema_rs.validator_for(candidate)
        except Exception as exc:  # jsonschema_rs raises ValidationError or ValueError
            error = exc
    raise RegistrationError(f"tool {tool.name!r}: input schema is invalid: {error}")


_UNCOMPILED: Any = object()


def _compile_output_validator(schema: dict[str, Any] | None) -> Any:
    if schema is None:
        return None
    normalized = {k: v for k, v in normalize_schema(schema).items() if k != "$schema"}
    try:
        return jsonschema_rs.validator_for(normalized)
    except Exception:  # an output schema we cannot compile is not checked (it is only a promise)
        return None


def _root_only(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [r for r in schema.get("required", []) if isinstance(r, str)],
    }


def _schema_message(tool: Tool, args: Mapping[str, Any]) -> str:
    errors = []
    validator: Any = tool._validator
    for error in validator.iter_errors(args):
        path = _format_path(error.instance_path)
        where = f"argument {path}" if path else "arguments"
        errors.append(f"{where}: {error.message}")
        if len(errors) == 3:
            break
    detail = "; ".join(errors) or "invalid arguments"
    return f"{tool.python_name}(): {detail}"


def _pydantic_message(tool: Tool, exc: pydantic.ValidationError) -> str:
    errors = []
    for error in exc.errors(include_url=False)[:3]:
        path = _format_path(error["loc"])
        where = f"argument {path}" if path else "arguments"
        got = error.get("input")
        shown = repr(got)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        if error["type"] == "missing":
            errors.append(f"missing required argument {path}")
        elif error["type"] == "extra_forbidden":
            errors.append(f"unexpected argument {path}")
        else:
            errors.append(f"{where}: {error['msg']} (got {shown})")
    return f"{tool.python_name}(): " + "; ".join(errors)


def _format_path(parts: Any) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return repr(out) if out else ""


@overload
def tool(fn: ToolFunction, /) -> Tool: ...


@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    threaded: bool | None = None,
    requires_approval: ApprovalRule = False,
) -> Callable[[ToolFunction], Tool]: ...


def tool(
    fn: ToolFunction | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    threaded: bool | None = None,
    requires_approval: ApprovalRule = False,
) -> Tool | Callable[[ToolFunction], Tool]:
    """Decorator: `@tool` or `@tool(name="...")` turns a function into a `Tool`.

    >>> @tool
    ... async def get_weather(city: str) -> dict[str, float]:
    ...     '''Current weather for a city.'''
    ...     return {"temp_c": 21.0}
    >>> get_weather.name
    'get_weather'
    """

    def wrap(function: ToolFunction) -> Tool:
        return Tool.from_function(
            function,
            name=name,
            description=description,
            threaded=threaded,
            requires_approval=requires_approval,
        )

    if fn is not None:
        return wrap(fn)
    return wrap


def as_tool(value: Tool | ToolFunction) -> Tool:
    """A `Tool` as is, or a plain function made into one."""
    if isinstance(value, Tool):
        return value
    if callable(value):
        return Tool.from_function(value)
    raise RegistrationError(f"not a tool or a function: {value!r}")


__all__ = ["Tool", "ToolAnnotations", "as_tool", "python_name", "tool"]
