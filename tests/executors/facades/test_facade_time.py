"""The time facade (`facade_time.py`) and `datetime` against CPython: conversions and
formatting with their documented arguments, `strptime` (whose `_strptime` the stdlib imports
for itself), and what is left out (`time.sleep` refused with a pointer to `asyncio.sleep`)."""

from __future__ import annotations

import pytest

from .differential import Spec, assert_same, facade, outcome

MODULES = ("time", "datetime")

FIXED = 1_700_000_000.5

SPECS: list[tuple[str, Spec]] = [
    ("time", lambda m: m.gmtime(FIXED)),
    ("time", lambda m: m.gmtime(0)[:6]),
    ("time", lambda m: m.strftime("%Y-%m-%d %H:%M:%S", m.gmtime(FIXED))),
    ("time", lambda m: m.strftime("%j %a %b", (2024, 2, 29, 1, 2, 3, 3, 60, 0))),
    ("time", lambda m: m.strptime("2024-03-05 10:11", "%Y-%m-%d %H:%M")),
    ("time", lambda m: m.strptime("30 Nov 00", "%d %b %y")[:3]),
    ("time", lambda m: m.strptime("bad", "%Y")),
    ("time", lambda m: m.asctime(m.gmtime(FIXED))),
    ("time", lambda m: m.struct_time((2024, 1, 2, 3, 4, 5, 1, 2, 0)).tm_mon),
    ("time", lambda m: type(m.time()) is float and type(m.monotonic_ns()) is int),
    ("time", lambda m: m.gmtime("x")),
    ("datetime", lambda m: m.datetime(2024, 3, 5, 10, 30).isoformat()),
    ("datetime", lambda m: m.datetime.strptime("2024-03-05", "%Y-%m-%d")),
    ("datetime", lambda m: m.datetime.strptime("05/03/24 10:11", "%d/%m/%y %H:%M").weekday()),
    ("datetime", lambda m: m.datetime.strptime("x", "%Y")),
    ("datetime", lambda m: m.date(2024, 2, 29) + m.timedelta(days=1)),
    ("datetime", lambda m: m.date(2023, 2, 29)),
    ("datetime", lambda m: m.date.fromisoformat("2024-03-05").strftime("%A %d %B")),
    ("datetime", lambda m: m.datetime.fromisoformat("2024-03-05T10:11:12+02:00").utcoffset()),
    ("datetime", lambda m: m.datetime(2024, 1, 1, tzinfo=m.timezone.utc).timestamp()),
    ("datetime", lambda m: m.datetime.fromtimestamp(FIXED, m.timezone.utc)),
    ("datetime", lambda m: str(m.timedelta(hours=25, seconds=-1))),
    ("datetime", lambda m: m.timedelta(days=1) / m.timedelta(hours=1)),
    ("datetime", lambda m: m.time(10, 30).replace(minute=5)),
    ("datetime", lambda m: m.timezone(m.timedelta(hours=-5), "EST").tzname(None)),
    ("datetime", lambda m: (m.MINYEAR, m.MAXYEAR)),
    ("datetime", lambda m: m.date(2024, 3, 5).isocalendar()),
]


@pytest.mark.parametrize(("module", "spec"), SPECS)
def test_time_modules_as_cpython(module: str, spec: Spec) -> None:
    assert_same(module, spec)


def test_sleep_is_refused_with_a_pointer() -> None:
    kind, name, message = outcome(lambda m: m.sleep(0), facade("time"))
    assert (kind, name) == ("raises", "PolicyError")
    assert "asyncio.sleep" in message
    assert repr(facade("time").sleep) == "<built-in function sleep>"
