"""Frames between `SubprocessExecutor` and its workers.

A frame is a 4-byte big-endian length and then that many bytes of UTF-8 JSON, always an object with
a type in `"t"`. JSON, not pickle or marshal: whatever the worker sends is data, never code, and the
stdlib codec measured as fast as msgpack for these small messages (see
`benchmarks/subprocess_bench.py`).

Host to worker: `run` (its id, code, limits, tool table, and `last` when the worker is to exit
after it), `ret` (a tool call's outcome), `exit`.
Worker to host: `ready` (the isolation layers in force; once, before any run), `call` (a tool call
with a fresh id), `cancel` (the program stopped waiting for a call), `log`, `done` (the value or
the error), each of these four with the run's id in `"run"`; `beat` (still alive).

A run's id is a random 63-bit number: the host takes a frame only for the run in flight, so a
program whose run is over cannot write the result (or the tool calls) of a later one.
"""

from __future__ import annotations

import json
import json.decoder
import json.encoder
import struct
from collections.abc import Callable, Iterable
from typing import Any

HEADER = struct.Struct(">I")

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _not_serializable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# The C encoder, made once: `JSONEncoder.encode` builds a new one (and a dict of markers) for every
# call, a good part of the cost of a small frame. Without markers a cycle is a RecursionError,
# turned into the ValueError `JSONEncoder` would raise.
_make_encoder: Any = json.encoder.c_make_encoder  # type: ignore[attr-defined]
_c_encode: Callable[[Any, int], Iterable[str]] | None = (
    _make_encoder(
        None, _not_serializable, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )
    if _make_encoder is not None
    else None
)
_decoder: Any = json.decoder.JSONDecoder()
_scan_once: Callable[[str, int], tuple[Any, int]] = _decoder.scan_once


class FrameError(Exception):
    """A frame that is too large, not JSON, or not an object with a type."""


def encode(message: dict[str, Any]) -> bytes:
    """One frame. Raises `ValueError`/`TypeError` for data JSON cannot carry (a NaN, a huge int)."""
    return frame(dumps(message))


def dumps(value: Any) -> str:
    """`value` as compact JSON text (what `encode` puts in a frame)."""
    if _c_encode is None:
        return _encoder.encode(value)
    try:
        return "".join(_c_encode(value, 0))
    except RecursionError:
        raise ValueError("Circular reference detected (or nesting too deep)") from None


def frame(text: str) -> bytes:
    """A frame of JSON text made by `dumps` (or pieced together from its output)."""
    body = text.encode("utf-8", "surrogatepass")
    return HEADER.pack(len(body)) + body


json_string = json.encoder.encode_basestring  # a str as a JSON string, as `dumps` writes it


class FrameReader:
    """Splits a byte stream into decoded frames, refusing any frame over `max_bytes`."""

    __slots__ = ("_buffer", "max_bytes")

    def __init__(self, max_bytes: int) -> None:
        self._buffer = bytearray()
        self.max_bytes = max_bytes

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        buffer = self._buffer
        if buffer:  # the rest of a frame begun earlier
            buffer += data
            return self._split(buffer)
        # The common case, whole frames in one read: straight from `data`, no buffering.
        frames: list[dict[str, Any]] = []
        start = 0
        end = len(data)
        while end - start >= 4:
            (size,) = HEADER.unpack_from(data, start)
            if size > self.max_bytes:
                raise FrameError(f"a frame of {size} bytes, over the limit of {self.max_bytes}")
            if end - start - 4 < size:
                break
            frames.append(decode(data[start + 4 : start + 4 + size]))
            start += 4 + size
        if start < end:
            buffer += memoryview(data)[start:]
        return frames

    def _split(self, buffer: bytearray) -> list[dict[str, Any]]:
        frames: list[dict[str, Any]] = []
        start = 0
        end = len(buffer)
        while end - start >= 4:
            (size,) = HEADER.unpack_from(buffer, start)
            if size > self.max_bytes:
                raise FrameError(f"a frame of {size} bytes, over the limit of {self.max_bytes}")
            if end - start - 4 < size:
                break
            frames.append(decode(bytes(buffer[start + 4 : start + 4 + size])))
            start += 4 + size
        if start:
            del buffer[:start]
        return frames


def decode(body: bytes) -> dict[str, Any]:
    try:
        text = body.decode("utf-8", "surrogatepass")
        try:  # the scanner alone: what `json.loads` ends up calling, without its layers
            message, end = _scan_once(text, 0)
        except StopIteration:
            end = -1
        if end != len(text):  # not one bare value (whitespace around it, or junk): the long way
            message = json.loads(text)
    except (ValueError, RecursionError) as exc:  # not UTF-8 JSON, nested too deep, huge numbers
        raise FrameError(f"a frame that is not JSON: {type(exc).__name__}") from None
    if not isinstance(message, dict) or not isinstance(message.get("t"), str):
        raise FrameError("a frame that is not an object with a type")
    return message
