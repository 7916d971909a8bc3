"""Which modules model code may import, and `Importer`, its `__import__`: each allowed module as a
facade, built by its family's module (`facade_*.py`) or, failing one, from its public members."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
from collections.abc import Callable
from typing import Any

from . import (
    facade_async,
    facade_collections,
    facade_copy,
    facade_numbers,
    facade_text,
    facade_time,
    facade_types,
)
from ._caches import guard_flag_members, guard_typing_caches
from ._facade import ModuleFacade, _public_members, shown_as
from ._runtime import CURRENT, ImportPolicyError

DEFAULT_MODULES = (
    "abc",
    "asyncio",
    "base64",
    "bisect",
    "cmath",
    "collections",
    "contextlib",
    "copy",
    "csv",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "fractions",
    "functools",
    "hashlib",
    "heapq",
    "io",
    "itertools",
    "json",
    "math",
    "operator",
    "pprint",
    "random",
    "re",
    "statistics",
    "string",
    "textwrap",
    "time",
    "typing",
    "unicodedata",
    "urllib.parse",
    "uuid",
)

# Modules the C code of allowed modules imports for itself (never the program's to import).
STDLIB_INTERNAL = frozenset({"_strptime"})

# Code that evaluates strings, in the allowed modules (issue 9, cause 3): every place the
# standard library `eval`s, `exec`s, `compile`s or `__import__`s text a program can supply, or
# matches a program's pattern with the stdlib `re` (no deadline), and how it is closed.
#
#   module       sink                                            closed by
#   typing       get_type_hints: eval of str/ForwardRef           left out of the facade
#   typing       evaluate_forward_ref (3.14): eval                left out of the facade
#   typing       ForwardRef._evaluate: eval                       private, and a host base's:
#                                                                 refused on a program subclass
#                                                                 too (`_owner`); ForwardRef()
#                                                                 itself only compiles
#   typing       get_overloads/overload: process-wide registry    per-run registry (facade_types)
#   functools    singledispatch.register(f): get_type_hints       facade: annotations must be
#                on f's annotations                               classes, never evaluated
#   functools    singledispatchmethod: the same                   left out of the facade
#   dataclasses  _create_fn: exec of generated source             source holds field names only
#                                                                 (identifiers); types/defaults
#                                                                 are passed as objects
#   dataclasses  make_dataclass(namespace=): a class body         facade: names held to the
#                                                                 class body's rules
#   collections  namedtuple: eval of a lambda built from names    stdlib checks identifiers;
#                                                                 facade bounds the field count
#   enum         functional API: names split, no eval             nothing to close
#   string       Template.__init_subclass__: stdlib re.compile    facade Template: `regex`,
#                of a subclass's pattern/idpattern/delimiter      matched under the deadline
#   string       Formatter: getattr by field name                 left out; str.format guarded
#   re           compile/match: stdlib re                         facade backed by `regex`
#   textwrap     wordsep_re & co: stdlib re, fixed patterns;      a subclass's own patterns come
#                a subclass may set its own                       from the `re` facade
#   json         decoder/encoder: fixed stdlib patterns           linear patterns; nothing else
#   fractions    _RATIONAL_FORMAT: fixed stdlib pattern           linear pattern
#   C code       PyImport_Import (e.g. `warnings`) looks up       `Importer`: only `_C_IMPORTS`
#                the frame's `__import__`                         for C callers
#   time,        strptime (any route: the facade's, a real         formats up to 2000 characters
#   datetime     datetime's): stdlib re.compile of a pattern built  (`facade_time._ExactKeys`,
#                from the format, its literal text included         the cache every route reads)
#   copy, operator, random, statistics, math, cmath, heapq, bisect, base64, hashlib, uuid,
#   unicodedata, decimal, itertools, asyncio: no such sink.

# Members left out of otherwise public modules, and why (a family's own list is in its module).
_EXCLUDED: dict[str, frozenset[str]] = {
    # C loops that ignore the deadline (a SHAKE digest's length is checked: `attr_guard`)
    "hashlib": frozenset({"pbkdf2_hmac", "scrypt", "file_digest"}),
    **facade_text.EXCLUDED,
    **facade_numbers.EXCLUDED,
    **facade_time.EXCLUDED,
    **facade_collections.EXCLUDED,
    **facade_types.EXCLUDED,
}

_SPECIAL: dict[str, Callable[[], dict[str, Any]]] = {
    **facade_text.FACADES,
    **facade_numbers.FACADES,
    **facade_time.FACADES,
    **facade_collections.FACADES,
    **facade_copy.FACADES,
    **facade_async.FACADES,
    **facade_types.FACADES,
}

# What the interpreter's C code imports for itself while model code runs: `warnings`, to report
# (and to let the host's hooks filter) a warning such as a never-awaited coroutine.
_C_IMPORTS = frozenset({"warnings"})

# Modules whose facade differs per execution.
PER_EXECUTION: dict[str, Callable[[], dict[str, Any]]] = {
    **facade_numbers.PER_EXECUTION,
    **facade_types.PER_EXECUTION,
}


@functools.cache
def shared_facade(name: str) -> ModuleFacade:
    """The facade of module `name`, built once and shared (it cannot be changed)."""
    module = importlib.import_module(name)
    builder = _SPECIAL.get(name)
    if builder is None:
        members = _public_members(module, _EXCLUDED.get(name, frozenset()))
    else:
        members = builder()
        for key, value in members.items():
            real = getattr(module, key, None)
            if real is not None and real is not value and not isinstance(value, type):
                members[key] = shown_as(real, value)  # shown as the function it replaces
    # host-wide caches keep nothing of a program (`_caches`): typing's are reached through the
    # objects of other modules too (`collections.abc` classes, annotations)
    guard_flag_members(members)
    guard_typing_caches()
    facade = ModuleFacade(name, members)
    if name == "collections":
        object.__setattr__(facade, "abc", shared_facade("collections.abc"))
    return facade


@functools.cache
def _package_facade(name: str) -> ModuleFacade:
    """The package of an allowed submodule (`urllib` for `import urllib.parse`), holding only
    its allowed submodules."""
    members = {
        module.partition(".")[2]: shared_facade(module)
        for module in DEFAULT_MODULES
        if module.partition(".")[0] == name and "." in module
    }
    return ModuleFacade(name, members)


# What to use instead of a module that is not allowed, for the ones models reach for most.
_FILES = "there is no file system; read and write through the tools"
_NETWORK = "there is no network; call the tools"
_THREADS = "run things concurrently with asyncio (asyncio.gather, asyncio.create_task)"
_INSTEAD = {
    **dict.fromkeys(("os", "pathlib", "shutil", "glob", "tempfile"), _FILES),
    **dict.fromkeys(("requests", "httpx", "aiohttp", "urllib3", "socket", "http"), _NETWORK),
    **dict.fromkeys(("threading", "multiprocessing", "concurrent", "subprocess"), _THREADS),
    "urllib": "urllib.parse is available; for the network, call the tools",
    "sys": "return from main() to finish; print() writes the output",
    "logging": "print() writes the output",
    "traceback": "the run's error reports the exception and its line",
    "types": "use a dataclass or a dict (types.SimpleNamespace is not available)",
    "zoneinfo": "use datetime.timezone(timedelta(hours=...)) for a fixed offset",
}


def _missing_member(module: str, member: str) -> ImportError:
    """`from module import member` of a name the facade does not have, in CPython's words."""
    error = ImportError(f"cannot import name {member!r} from {module!r}", name=module)
    real = sys.modules.get(module)
    if real is not None and member in vars(real):
        error.add_note(f"codemode: {module}.{member} is not available in codemode")
    return error


class Importer:
    """`__import__` for model code: allowed modules as facades, anything else refused.

    Shared by the executions of one executor; a module whose facade is per execution (`random`)
    is kept in the current execution's own cache.
    """

    __slots__ = ("allowed",)

    def __init__(self, allowed: frozenset[str]) -> None:
        self.allowed = allowed

    def __call__(
        self,
        name: str,
        globals: Any = None,
        locals: Any = None,
        fromlist: Any = (),
        level: int = 0,
    ) -> Any:
        if type(fromlist) is list and not fromlist and name in _C_IMPORTS:
            # CPython's own C code importing a helper for itself (`PyImport_Import` looks up the
            # running frame's `__import__`, passing `[]`); compiled imports pass None or a tuple.
            return importlib.import_module(name)
        if level:
            raise ImportPolicyError("relative imports are not allowed")
        if name == "codemode":  # models write it often; the tools are already bound to that name
            execution = CURRENT.get(None)
            tools = execution.globals.get("codemode") if execution is not None else None
            if tools is not None:
                return tools
        allowed = name in self.allowed or (
            name == "collections.abc" and "collections" in self.allowed
        )
        if name == "__future__":
            # `from __future__ import annotations`: the compiler already did what it asks; the
            # import itself only hands back `__future__`'s feature records
            return shared_facade(name)
        if not allowed:
            if name in STDLIB_INTERNAL and type(fromlist) is list:
                # C code of an allowed module importing its helper (`datetime.strptime` imports
                # `_strptime` through the C API, which passes a list): not the program's import,
                # whose `from x import ...` names are a tuple.
                return importlib.import_module(name)
            if (
                type(fromlist) is tuple
                and fromlist
                and all(f"{name}.{member}" in self.allowed for member in fromlist)
            ):
                return _package_facade(name)  # `from urllib import parse`
            raise self.refusal(name)
        top = name.partition(".")[0]
        if not fromlist and top != name and top not in self.allowed:
            facade = _package_facade(top)  # `import urllib.parse`: the package, to reach it by
        else:
            facade = self.load(name if fromlist else top)
        if type(fromlist) is tuple:
            for member in fromlist:
                if type(member) is str and member not in facade.__dict__:
                    # CPython's own message would name '<unknown module name>': a facade has no
                    # `__name__`, which would send `from m import x` on to `sys.modules["m.x"]`
                    raise _missing_member(name, member)
        return facade

    def refusal(self, name: str) -> ImportError:
        available = "available modules: " + ", ".join(sorted(self.allowed))
        instead = _INSTEAD.get(name.partition(".")[0])
        if instead is not None:
            available = f"{available} ({instead})"
        top = name.partition(".")[0]
        try:  # the top level only: finding `a.b` would import `a`
            missing = top not in sys.stdlib_module_names and importlib.util.find_spec(top) is None
        except (ImportError, ValueError, OSError):
            missing = False
        if missing:
            error = ModuleNotFoundError(f"No module named {top!r}", name=top)
            error.add_note(f"codemode: {available}")
            return error
        return ImportPolicyError(f"import of {name!r} is not allowed; {available}")

    def load(self, name: str) -> ModuleFacade:
        builder = PER_EXECUTION.get(name)
        if builder is None:
            return shared_facade(name)
        execution = CURRENT.get(None)
        cache = execution.modules if execution is not None else {}
        facade = cache.get(name)
        if facade is None:
            facade = cache[name] = ModuleFacade(name, builder())
        return facade
