"""The facades of modules that define types (`facade_types.py`) against CPython: `dataclasses`,
`typing`, `enum` and `abc`, run as programs (their decorators apply to the program's own classes only,
so the calls are made from a program's class statements)."""

from __future__ import annotations

import pytest

from .differential import assert_same_program

MODULES = ("dataclasses", "typing", "enum", "abc")

PROGRAMS = [
    """
from abc import ABC, ABCMeta, abstractmethod, update_abstractmethods
class Shape(ABC):
    @abstractmethod
    def area(self) -> float: ...
    @property
    @abstractmethod
    def name(self) -> str: ...
class Square(Shape):
    def __init__(self, side):
        self.side = side
    def area(self):
        return self.side ** 2
    name = "square"
try:
    Shape()
except TypeError as e:
    refused = str(e)
class Half(Shape):
    def area(self):
        return 0
try:
    Half()
except TypeError as e:
    half = str(e)
Half.name = "half"
update_abstractmethods(Half)
Made = ABCMeta("Made", (Shape,), {"area": lambda self: 1, "name": "made"})
[refused, half, Half().area(), Square(3).area(), isinstance(Square(1), Shape), type(Shape) is ABCMeta,
 Made().area(), repr(Made).endswith(".Made'>"), sorted(Shape.__abstractmethods__)]
""",
    """
import abc
class Sized(abc.ABC):
    pass
Sized.register(list)
[isinstance([], Sized), issubclass(dict, Sized)]
""",
    """
from dataclasses import dataclass, field, asdict, astuple, replace, fields, is_dataclass
@dataclass(order=True, frozen=True)
class P:
    x: int
    y: int = 0
    tags: list = field(default_factory=list, compare=False)
[P(1) < P(2), asdict(P(1, 2)), astuple(P(3)), replace(P(1), y=5).y, [f.name for f in fields(P)],
 is_dataclass(P), repr(P(1)), hash(P(1)) == hash(P(1))]
""",
    """
from dataclasses import dataclass
@dataclass
class P:
    x: int
P()
""",
    """
from dataclasses import dataclass
@dataclass(slots=True, kw_only=True)
class P:
    x: int
    y: str = "a"
repr(P(x=1))
""",
    """
from dataclasses import dataclass
@dataclass(bogus=True)
class P:
    x: int
""",
    """
import dataclasses
@dataclasses.dataclass(frozen=True)
class P:
    x: int
p = P(1)
try:
    p.x = 2
except dataclasses.FrozenInstanceError as e:
    r = str(e)
r
""",
    """
from dataclasses import dataclass, field
@dataclass
class P:
    x: list = []
""",
    """
from dataclasses import make_dataclass
P = make_dataclass("P", [("x", int), ("y", int, 0)])
repr(P(1))
""",
    """
from typing import NamedTuple, TypedDict, Optional, cast, get_origin, get_args, Literal
class Pt(NamedTuple):
    x: int
    y: int = 0
class Movie(TypedDict, total=False):
    title: str
[Pt(1)._asdict(), Pt._fields, cast(int, "x"), str(get_origin(list[int])), get_args(Optional[int])[0] is int,
 Movie(title="a"), get_args(Literal["a", "b"]), repr(Pt(1, 2))]
""",
    """
from typing import Protocol, runtime_checkable
@runtime_checkable
class Sized(Protocol):
    def size(self) -> int: ...
class A:
    def size(self):
        return 1
[isinstance(A(), Sized), isinstance(1, Sized)]
""",
    """
from enum import Enum, IntEnum, Flag, auto, unique
class Color(Enum):
    RED = 1
    GREEN = auto()
class Perm(Flag):
    R = auto()
    W = auto()
class Size(IntEnum):
    S = 1
    M = 2
[Color.RED.name, Color(2).value, Color["GREEN"].value, str(Perm.R | Perm.W), Size.M > Size.S,
 [c.name for c in Color], repr(Color.RED), Size.S + 1, Perm.R in (Perm.R | Perm.W)]
""",
    """
from enum import Enum, unique
@unique
class E(Enum):
    A = 1
    B = 1
""",
    """
from enum import Enum
class E(Enum):
    A = 1
E(5)
""",
    """
from enum import StrEnum
class S(StrEnum):
    A = "a"
[S.A == "a", S("a").name, f"{S.A}"]
""",
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_type_modules_as_cpython(program: str) -> None:
    assert_same_program(program)


def test_type_of_none_is_the_none_type_typing_gives() -> None:
    assert_same_program(
        "from typing import Optional, get_args\nget_args(Optional[int])[1] == type(None)"
    )
