"""The adapter examples run as they are: offline in a subprocess (as CI and a new user run them),
and against an endpoint given by OPENAI_BASE_URL (here the scripted server)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from scripted_openai import Call, ScriptedOpenAI

from .conftest import EXAMPLES


def run_offline(script: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=EXAMPLES.parent,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_openai_loop_offline() -> None:
    out = run_offline("openai_loop.py")
    assert "(offline, chat API)" in out
    assert "async def get_weather(" in out  # the stubs it shows
    assert '{"warmest": "Lisbon", "degrees_over_coldest": 17.5}' in out
    assert out.rstrip().endswith("answer: Lisbon is the warmest, 17.5 °C above the coldest.")


def test_langchain_agent_offline() -> None:
    out = run_offline("langchain_agent.py")
    assert "model: ScriptedChatModel (offline)" in out
    assert "get_weather({'city': 'Berlin'}) -> get_weather() failed: no weather station" in out
    assert '{"city": "Lisbon", "temperature_c": 21.0}' in out
    assert "answer: The program found:" in out


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Starts a scripted server and points the examples' environment at it."""
    servers: list[ScriptedOpenAI] = []

    def start(script: list[Any]) -> ScriptedOpenAI:
        server = ScriptedOpenAI(script).start()
        servers.append(server)
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_MODEL", "some-model")
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_openai_loop_against_an_endpoint(
    endpoint: Any, capsys: pytest.CaptureFixture[str], api: str
) -> None:
    import openai_loop

    server = endpoint([Call({"code": openai_loop.PROGRAM}), "It is Lisbon."])
    openai_loop.main(["--api", api])
    out = capsys.readouterr().out
    assert f"endpoint: {server.url}/ (some-model, {api} API)" in out
    assert out.rstrip().endswith("answer: It is Lisbon.")
    assert [r.api for r in server.requests] == [api, api]
    assert server.requests[0].headers["authorization"] == "Bearer test-key"
    assert '"degrees_over_coldest": 17.5' in server.requests[1].tool_outputs()[0]


def test_langchain_agent_against_an_endpoint(
    endpoint: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("langchain_openai")
    import langchain_agent

    server = endpoint([Call({"code": langchain_agent.PROGRAM}), "It is Lisbon."])
    langchain_agent.main()
    out = capsys.readouterr().out
    assert "model: ChatOpenAI (online)" in out
    assert out.rstrip().endswith("answer: It is Lisbon.")
    assert server.requests[0].body["model"] == "some-model"
    assert '"city": "Lisbon"' in server.requests[1].tool_outputs()[0]


@pytest.mark.parametrize(
    ("script", "blocked", "extra"),
    [("openai_loop.py", "openai", "openai"), ("langchain_agent.py", "langchain_core", "langchain")],
)
def test_examples_name_the_missing_extra(script: str, blocked: str, extra: str) -> None:
    # As in a base install: importing the framework fails.
    runner = (
        f"import runpy, sys; sys.modules[{blocked!r}] = None; "
        f"sys.argv = [{script!r}]; runpy.run_path({str(EXAMPLES / script)!r}, run_name='__main__')"
    )
    done = subprocess.run(
        [sys.executable, "-c", runner], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert f"pip install 'codemode[{extra}]'" in done.stderr
    assert "Traceback" not in done.stderr
