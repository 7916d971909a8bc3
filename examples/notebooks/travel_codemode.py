"""A `Codemode` to serve over MCP: `codemode mcp-serve travel_codemode:cm` (from this folder)."""

from __future__ import annotations

from codemode import Codemode

_RATES_TO_EUR = {"EUR": 1.0, "USD": 0.92, "GBP": 1.17, "NOK": 0.085}


def convert(amount: float, from_currency: str, to_currency: str) -> float:
    """Convert an amount of money between currencies (EUR, USD, GBP, NOK).

    Args:
        amount: How much.
        from_currency: ISO code of the amount's currency.
        to_currency: ISO code to convert to.
    """
    rates = _RATES_TO_EUR
    if from_currency not in rates or to_currency not in rates:
        raise ValueError(f"unknown currency; known: {', '.join(sorted(rates))}")
    return round(amount * rates[from_currency] / rates[to_currency], 2)


def hotel_price(city: str, nights: int) -> dict[str, object]:
    """The price of a mid-range hotel, in the local currency.

    Args:
        city: City name.
        nights: Number of nights.
    """
    local = {"oslo": ("NOK", 1400.0), "london": ("GBP", 130.0), "new york": ("USD", 210.0)}
    currency, per_night = local.get(city.lower(), ("EUR", 110.0))
    return {"city": city, "currency": currency, "total": per_night * nights}


cm = Codemode([convert, hotel_price], timeout=10)
