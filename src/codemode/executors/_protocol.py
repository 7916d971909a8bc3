"""Frames between `SubprocessExecutor` and its workers.

A frame is a 4-byte big-endian length and then that many bytes of UTF-8 JSON, always an object with
a type in `"t"`. JSON, not pickle or marshal: whatever the worker sends is data, never code, and the
stdlib codec measured as fast as msgpack for these small messages (see
`benchmarks/subprocess_bench.py`).

Host to worker: `run` (code, limits, tool table), `ret` (a tool call's outcome), `exit`.
Worker to host: `ready` (the isolation layers in force), `call` (a tool call with a fresh id),
`cancel` (the program stopped waiting for a call), `log`, `beat` (still alive), `done` (the value
or the error).
"""

from __future__ import annotations

import json
import struct
from typing import Any

HEADER = struct.Struct(">I")

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class FrameError(Exception):
    """A frame that is too large, not JSON, or not an object with a type."""


def encode(message: dict[str, Any]) -> bytes:
    """One frame. Raises `ValueError`/`TypeError` for data JSON cannot carry (a NaN, a huge int)."""
    body = _encoder.encode(message).encode("utf-8", "surrogatepass")
    return HEADER.pack(len(body)) + body


class FrameReader:
    """Splits a byte stream into decoded frames, refusing any frame over `max_bytes`."""

    __slots__ = ("_buffer", "max_bytes")

    def __init__(self, max_bytes: int) -> None:
        self._buffer = bytearray()
        self.max_bytes = max_bytes

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        buffer = self._buffer
        buffer += data
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
        message = json.loads(body)
    except (ValueError, RecursionError) as exc:  # not UTF-8 JSON, nested too deep, huge numbers
        raise FrameError(f"a frame that is not JSON: {type(exc).__name__}") from None
    if not isinstance(message, dict) or not isinstance(message.get("t"), str):
        raise FrameError("a frame that is not an object with a type")
    return message
