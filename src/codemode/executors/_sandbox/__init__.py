"""The run-time half of the policy: guards, builtins and module facades for model code.

The names inserted by `_policy.Transformer` (`_cm_tick_`, `_cm_mul_`, ...) resolve to the functions
in `_guards`. Stateless guards are shared by every execution; what belongs to one execution (its
deadline, its tasks, its print output) is reached through `Execution` (`_runtime`), found via a
context variable where a shared function needs it. `_builtins` holds the builtins, `_modules` the
import allowlist and `Importer`, and each `facade_*` module one family of module facades.
"""

from ._builtins import base_builtins, make_print
from ._guards import GUARDS, install_codec_bounds
from ._modules import DEFAULT_MODULES, STDLIB_INTERNAL, Importer
from ._runtime import (
    CURRENT,
    AllocationRefused,
    Execution,
    ImportPolicyError,
    PolicyError,
    Timeout,
    disarm,
    install_unraisable_filter,
    resident_memory,
    track_async_generators,
)

__all__ = [
    "CURRENT",
    "DEFAULT_MODULES",
    "GUARDS",
    "STDLIB_INTERNAL",
    "AllocationRefused",
    "Execution",
    "ImportPolicyError",
    "Importer",
    "PolicyError",
    "Timeout",
    "base_builtins",
    "disarm",
    "install_codec_bounds",
    "install_unraisable_filter",
    "make_print",
    "resident_memory",
    "track_async_generators",
]
