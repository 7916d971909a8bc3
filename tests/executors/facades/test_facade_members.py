"""Every allowed module's facade against the module: the members it has, and the parameters of
the functions it replaces. Each family's behaviour is compared in its own test module."""

from __future__ import annotations

import builtins
import importlib
import inspect
import types

import pytest

from codemode.executors._sandbox import DEFAULT_MODULES, base_builtins
from codemode.executors._sandbox._facade import _public_members
from codemode.executors._sandbox._modules import _EXCLUDED

from .differential import facade, is_function, parameters, real, replaced_members

FAMILIES = (
    "test_facade_text",
    "test_facade_numbers",
    "test_facade_time",
    "test_facade_collections",
    "test_facade_async",
    "test_facade_types",
    "test_facade_data",
)

# A replacement taking `(*args, **kwargs)` hands them to the real function, which checks them
# (its family's tests call it with wrong arguments); these take `**kwargs` only.
DEFERRING = {
    ("dataclasses", "dataclass"),
    ("dataclasses", "make_dataclass"),
    ("typing", "dataclass_transform"),
    ("time", "sleep"),
}


HANDS_OVER = [
    ("args", inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.empty),
    ("kwargs", inspect.Parameter.VAR_KEYWORD, inspect.Parameter.empty),
]


def test_every_allowed_module_has_its_family_test() -> None:
    covered: set[str] = set()
    for family in FAMILIES:
        module = importlib.import_module(f"{__package__}.{family}")
        covered |= set(module.MODULES)
    assert covered == set(DEFAULT_MODULES)


# Facades that list what the program gets instead of what it does not: asyncio's is its tasks,
# their combinators and the synchronisation primitives, with no way to an event loop; io's its
# in-memory streams.
LISTED = frozenset({"asyncio", "io"})  # io: its in-memory streams


@pytest.mark.parametrize("name", DEFAULT_MODULES)
def test_the_facade_has_every_public_member_not_left_out(name: str) -> None:
    module = real(name)
    public = _public_members(module, frozenset())
    ours = set(dir(facade(name)))
    if name in LISTED:
        assert ours <= set(public) | set(dir(module)), f"{name}: {sorted(ours - set(public))}"
        return
    missing = set(public) - ours - _EXCLUDED.get(name, frozenset())
    assert not missing, f"{name}: {sorted(missing)}"


def test_replaced_builtins_take_the_real_parameters() -> None:
    for key, mine in base_builtins().items():
        theirs = getattr(builtins, key, None)
        if theirs is None or mine is theirs or not is_function(theirs) or key.startswith("_"):
            continue
        assert repr(mine) == repr(theirs), key
        expected, actual = parameters(theirs), parameters(mine)
        if expected is not None and actual != HANDS_OVER:
            assert actual == expected, key


@pytest.mark.parametrize("name", DEFAULT_MODULES)
def test_replaced_functions_take_the_real_parameters(name: str) -> None:
    for key, (theirs, mine) in replaced_members(name).items():
        if isinstance(theirs, type) or not is_function(theirs) or (name, key) in DEFERRING:
            continue
        expected, actual = parameters(theirs), parameters(mine)
        if expected is None or isinstance(theirs, types.MethodType) or actual == HANDS_OVER:
            continue
        assert actual == expected, f"{name}.{key}"
