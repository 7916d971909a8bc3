"""The `time` and `datetime` facades: clocks and conversions; nothing that sleeps, sets the
host's clock or time zone, or reads a thread's clock. Every reading of the current time goes
through `_replay.reading`, so a resumed run sees the times its first run saw."""

from __future__ import annotations

import _strptime  # type: ignore[import-not-found]
import datetime as _dt
import time
from collections.abc import Callable
from typing import Any

from ..._text import exact_str
from ._builtins import _unavailable
from ._caches import exact
from ._facade import _public_members
from ._guards import check_strftime
from ._replay import reading
from ._runtime import CURRENT, PolicyError

EXCLUDED: dict[str, frozenset[str]] = {
    "time": frozenset(
        {
            "sleep",
            "thread_time",
            "thread_time_ns",
            "pthread_getcpuclockid",
            "clock_settime",
            "clock_settime_ns",
            "tzset",
        }
    ),
}

_CLOCKS = (
    "time",
    "time_ns",
    "monotonic",
    "monotonic_ns",
    "perf_counter",
    "perf_counter_ns",
    "process_time",
    "process_time_ns",
)


def _clock(name: str) -> Callable[[], Any]:
    live = getattr(time, name)

    def read() -> Any:
        return reading(name, live)

    read.__name__ = read.__qualname__ = name
    read.__doc__ = live.__doc__
    return read


def _now() -> float:
    value: float = reading("time", time.time)
    return value


def _time_module() -> dict[str, Any]:
    members = _public_members(time, EXCLUDED["time"])
    members["sleep"] = _unavailable("time.sleep", "use `await asyncio.sleep(seconds)`")
    for name in _CLOCKS:
        members[name] = _clock(name)

    # The functions that read the current time when given none.
    def localtime(secs: float | None = None) -> time.struct_time:
        return time.localtime(_now() if secs is None else secs)

    def gmtime(secs: float | None = None) -> time.struct_time:
        return time.gmtime(_now() if secs is None else secs)

    def ctime(secs: float | None = None) -> str:
        return time.ctime(_now() if secs is None else secs)

    def asctime(t: Any = None) -> str:
        return time.asctime(localtime() if t is None else t)

    def strftime(format: str, t: Any = None) -> str:
        return time.strftime(check_strftime(format), localtime() if t is None else t)

    def strptime(string: Any, format: Any = "%a %b %d %H:%M:%S %Y") -> time.struct_time:
        # `_strptime` caches each format process-wide: exact copies (`_caches`)
        return time.strptime(exact(string), exact(format))

    members.update(localtime=localtime, gmtime=gmtime, ctime=ctime, asctime=asctime)
    members.update(strftime=strftime, strptime=strptime)
    return members


class _StandIn(type):
    """The metaclass of the stand-ins below: the real module's objects are their instances
    (`d.date()` gives a real `date`, and `isinstance(it, datetime.date)` must hold)."""

    def __instancecheck__(cls, instance: Any) -> bool:
        real = _REAL.get(cls)  # a class the program derives from a stand-in checks as usual
        return isinstance(instance, real) if real else type.__instancecheck__(cls, instance)

    def __subclasscheck__(cls, subclass: Any) -> bool:
        real = _REAL.get(cls)
        return issubclass(subclass, real) if real else type.__subclasscheck__(cls, subclass)


class _Date(_dt.date, metaclass=_StandIn):
    """`datetime.date` whose `today` reads the run's clock."""

    __slots__ = ()

    @classmethod
    def today(cls) -> _Date:
        return cls.fromtimestamp(_now())


_Date.__name__ = _Date.__qualname__ = "date"
_Date.__module__ = "datetime"


class _Datetime(_dt.datetime, metaclass=_StandIn):
    """`datetime.datetime` whose `now`, `today` and `utcnow` read the run's clock."""

    __slots__ = ()

    @classmethod
    def now(cls, tz: _dt.tzinfo | None = None) -> _Datetime:
        return cls.fromtimestamp(_now(), tz)

    @classmethod
    def today(cls) -> _Datetime:
        return cls.fromtimestamp(_now())

    @classmethod
    def utcnow(cls) -> _Datetime:
        return cls.fromtimestamp(_now(), _dt.UTC).replace(tzinfo=None)

    @classmethod
    def strptime(cls, date_string: Any, format: Any, /) -> _Datetime:
        # `_strptime` caches each format process-wide: exact copies (`_caches`)
        parse = _dt.datetime.__dict__["strptime"].__get__(None, cls)
        return parse(exact(date_string), exact(format))  # type: ignore[no-any-return]


_Datetime.__name__ = _Datetime.__qualname__ = "datetime"
_Datetime.__module__ = "datetime"


_REAL: dict[type, type] = {_Date: _dt.date, _Datetime: _dt.datetime}


def _datetime_module() -> dict[str, Any]:
    members = _public_members(_dt, frozenset())
    members["datetime"] = _Datetime
    members["date"] = _Date
    return members


class _ExactKeys(dict):  # type: ignore[type-arg]
    """`_strptime`'s process-wide cache of compiled formats, keyed by exact strings only: a
    program `str` subclass kept as a key would have its `__eq__` run by every later lookup of a
    format of the same hash (the host's own `time.strptime` included), after its run is over.
    Every route to `strptime` (the facade's, a real `datetime`'s, `type(d).strptime`) ends in
    this cache, so the rule sits here."""

    def __setitem__(self, key: Any, value: Any) -> None:
        dict.__setitem__(self, exact_str(key), value)

    def get(self, key: Any, default: Any = None) -> Any:
        # Every format is looked up here before `_strptime` compiles it with the stdlib `re`:
        # one C call, outside the deadline, about 2 us per character of the format.
        if isinstance(key, str) and len(key) > MAX_FORMAT and CURRENT.get(None) is not None:
            raise PolicyError(
                f"a strptime format of {len(key)} characters (limit {MAX_FORMAT}): compiling it "
                "is one long call that the deadline cannot stop"
            )
        return dict.get(self, key, default)


MAX_FORMAT = 2_000


_strptime._regex_cache = _ExactKeys(_strptime._regex_cache)


FACADES: dict[str, Callable[[], dict[str, Any]]] = {
    "time": _time_module,
    "datetime": _datetime_module,
}
