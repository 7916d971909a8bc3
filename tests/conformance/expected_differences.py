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
    *("namedtuple__ops", "pathlib__pure"),
    *("recursion__nested_eval", "version__cpython"),
)

_MODULE_NAME = (
    "by design (issue 9's ownership rule): the program's module is `__codemode__`, not "
    "`__main__`; classes a factory makes at the program's call (`namedtuple`, `Enum('E', ...)`) "
    "are the program's by that name, which a host's own `__main__` classes must not share"
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
        cases=(
            *("function__call_duplicate_kwargs", "function__err_unpack_duplicate_*"),
            *("function__err_unpack_int", "function__err_unpack_not_mapping"),
            "refcount__collections",
        ),
        shows="__codemode__",
        reason=_MODULE_NAME,
    ),
    Difference(
        cases=("collections__namedtuple", "module__dunders"),
        shows="AssertionError",  # their asserts of `__module__ == '__main__'`, `__name__ == ...`
        reason=_MODULE_NAME,
    ),
    Difference(
        cases=("decorator__function",),
        shows="'int' object is not callable",
        reason="by design: a lone async function the program never calls is run as its entry "
        "point (models write `async def main()` and stop); here one is rebound to a number",
    ),
    # -- issue 9's rules (helper `sec-in-a`) -----------------------------------------------------
    Difference(
        cases=("dataclass__repr_eq",),
        shows="'__class__'",
        reason="policy: a class may not bind `__class__` (here a dataclass field of that name) "
        "or the other dunders that lead from an object back to the host's classes and modules; "
        "reading `x.__class__` is `type(x)`",
    ),
    Difference(
        cases=("collections__defaultdict",),
        shows="default_factory",
        reason="policy (issue 9's ownership rule): attributes of objects the program did not "
        "make cannot be set, a `defaultdict`'s `default_factory` included",
    ),
    Difference(
        cases=("# call-external",),
        shows="",
        reason="by design: Monty's host functions (`add_ints`, `make_point`, ...) are plain "
        "names there; in codemode the host's functions are tools, `await codemode.name(...)`",
        strict=False,
    ),
)
