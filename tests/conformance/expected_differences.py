"""Where codemode runs Monty's cases differently from CPython, on purpose: one row per decision.

A row names the cases it covers (`fnmatch` patterns of case names, or `# directive`), what the
executor's outcome shows instead (text of `Outcome.describe()`), and why. The conformance test
fails for a difference no row covers, and for a covered case that no longer differs (the row, or
its case, is then out of date). README's language section is written from this table.
"""

from __future__ import annotations

from dataclasses import dataclass

BOTH = frozenset({"inprocess", "subprocess"})


@dataclass(frozen=True)
class Difference:
    cases: tuple[str, ...]
    shows: str  # text the executor's outcome (`Outcome.describe()`) contains
    reason: str
    executors: frozenset[str] = BOTH
    # False: a covered case may also run as in CPython (a directive's cases that never reach
    # what the row is about)
    strict: bool = True


_SYS_OS_PATHLIB_GC = (
    *("args__macro_errors", "builtin__math_funcs", "datetime__core", "import__error_cannot_import"),
    *("import__local_scope", "import__multi", "import__os", "import__sys", "import__sys_monty"),
    *("itertools__gc", "json__dumps_recursion", "mount_fs__*", "namedtuple__missing_attr"),
    *("open__fs", "os__*", "pathlib__import", "pathlib__os", "pathlib__os_read_error"),
    *("re__basic", "repr__mutation", "star__unpack_iterables", "sys__types"),
    *("recursion__deep_repr", "recursion__instance_repr", "recursion__limit_depth"),
    *("recursion__nested_eval", "version__cpython"),
)

DIFFERENCES: tuple[Difference, ...] = (  # the first row covering a case is its row
    Difference(
        cases=_SYS_OS_PATHLIB_GC,
        shows="is not allowed; available modules",
        reason="policy: `sys`, `os`, `pathlib` and `gc` reach the host (its process, files, "
        "interpreter state); the program gets the allowed modules only",
    ),
    Difference(
        cases=("import__relative_*",),
        shows="relative imports are not allowed",
        reason="policy: the program is one module, with no package to import from",
    ),
    Difference(
        cases=("import__star_error",),
        shows="'from ... import *' is not allowed",
        reason="policy: a star import would bind names the policy cannot see at compile time",
    ),
    Difference(
        cases=("async__not_imported",),
        shows="value",
        reason="by design: `asyncio` is bound before the program runs (models use it unimported)",
    ),
    Difference(
        cases=("decorator__function",),
        shows="'int' object is not callable",
        reason="by design: a lone async function the program never calls is run as its entry "
        "point (models write `async def main()` and stop); here one is rebound to a number",
    ),
    Difference(
        cases=(
            *("class__annotations", "class__attrs", "class__basic", "class__contains"),
            *("class__eq_hash", "class__repr", "collections__defaultdict"),
            *("collections__namedtuple", "dataclass__basic", "dataclass__is_dataclass"),
            *("dataclass__options", "dataclass__repr_eq", "decorator__class", "iter__user_class"),
            *("module__dunders", "namedtuple__ops", "pathlib__pure", "refcount__user_contains"),
            "with__class",
        ),
        shows="not allowed",
        reason="issue 9 (open): dunders bound in a class body, and dunders read on the program's "
        "own objects, are refused at compile time",
    ),
    Difference(
        cases=("class__dynamic_type",),
        shows="cannot set attribute",
        reason="issue 9 (open): instances of a class made with 3-argument type() are not the "
        "program's",
    ),
    Difference(
        cases=("builtin__repr", "function__call_unpack", "range__ops", "type__ops"),
        shows="AssertionError",
        reason="issue 9 (open): `range`, `bytes` and `bytearray` are stand-ins (`type(b'') == "
        "bytes` is False, `repr(range)` differs)",
    ),
    Difference(
        cases=("# call-external",),
        shows="",
        reason="by design: Monty's host functions (`add_ints`, `make_point`, ...) are plain "
        "names there; in codemode the host's functions are tools, `await codemode.name(...)`",
        strict=False,
    ),
)
