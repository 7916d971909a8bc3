"""Data modules served as their public members (`_modules.py`): `base64`, `hashlib`, `json`,
`uuid`, against CPython with their documented arguments; what is left out (`hashlib.scrypt`,
`uuid.uuid1`, ...) is checked by `test_facade_members`."""

from __future__ import annotations

import pytest

from .differential import Spec, assert_same

MODULES = ("base64", "hashlib", "json", "uuid")

SPECS: list[tuple[str, Spec]] = [
    ("base64", lambda m: m.b64encode(b"hello world")),
    ("base64", lambda m: m.b64encode(b"\xff\xfe", altchars=b"-_")),
    ("base64", lambda m: m.b64decode("aGVsbG8=")),
    ("base64", lambda m: m.b64decode(b"aGVsbG8", validate=True)),
    ("base64", lambda m: m.urlsafe_b64encode(b"\xfb\xff")),
    ("base64", lambda m: m.b32encode(b"ab")),
    ("base64", lambda m: m.b16decode("6162")),
    ("base64", lambda m: m.a85encode(b"abc", pad=True)),
    ("base64", lambda m: m.b85decode(m.b85encode(b"xyz"))),
    ("hashlib", lambda m: m.sha256(b"abc").hexdigest()),
    ("hashlib", lambda m: m.md5(b"abc", usedforsecurity=False).hexdigest()),
    ("hashlib", lambda m: m.new("sha1", b"abc").hexdigest()),
    ("hashlib", lambda m: m.blake2b(b"abc", digest_size=16).hexdigest()),
    ("hashlib", lambda m: (h := m.sha1(), h.update(b"a"), h.update(b"b"), h.hexdigest())[3]),
    ("hashlib", lambda m: m.new("nope")),
    ("hashlib", lambda m: sorted(m.algorithms_guaranteed)),
    ("json", lambda m: m.dumps({"b": [1, 2.5, None], "a": "é"}, sort_keys=True, indent=2)),
    ("json", lambda m: m.dumps({"a": 1}, separators=(",", ":"), ensure_ascii=False)),
    ("json", lambda m: m.dumps(float("nan"))),
    ("json", lambda m: m.dumps(float("nan"), allow_nan=False)),
    ("json", lambda m: m.dumps({1: 2, None: 3})),
    ("json", lambda m: m.dumps({(1,): 2})),
    ("json", lambda m: m.dumps({(1,): 2}, skipkeys=True)),
    ("json", lambda m: m.dumps(object())),
    ("json", lambda m: m.dumps({1, 2}, default=sorted)),
    ("json", lambda m: m.loads('{"a": [1, 2.0, true, null]}')),
    ("json", lambda m: m.loads("[1, 2", strict=False)),
    ("json", lambda m: m.loads('{"a": 1,}')),
    ("json", lambda m: m.loads("1.5", parse_float=str)),
    ("json", lambda m: m.loads('{"a": 1}', object_pairs_hook=list)),
    ("json", lambda m: m.JSONDecodeError("msg", "doc", 1).lineno),
    ("json", lambda m: m.JSONEncoder(indent=1).encode([1])),
    ("uuid", lambda m: m.UUID("12345678123456781234567812345678").hex),
    ("uuid", lambda m: str(m.uuid5(m.NAMESPACE_DNS, "python.org"))),
    ("uuid", lambda m: str(m.uuid3(m.NAMESPACE_URL, "x"))),
    ("uuid", lambda m: m.uuid4().version),
    ("uuid", lambda m: m.UUID("bad")),
    ("uuid", lambda m: m.UUID(int=5).urn),
]


@pytest.mark.parametrize(("module", "spec"), SPECS)
def test_data_modules_as_cpython(module: str, spec: Spec) -> None:
    assert_same(module, spec)
