"""The MCP server through the SDK's own client, over both transports: stdio (``cyberlex mcp`` spawned over the small
real index of tests/legal_index.py) and streamable HTTP (``/mcp`` of the app served by uvicorn over the same index).

The embedded index has one writer at a time, so the two sessions run one after the other, once per module: each
records its answers to the same script of calls, and the tests check the records of both transports.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from browser import serve
from cyberlex.api.main import create_app
from cyberlex.api.mcp import INSTRUCTIONS, QUOTE
from cyberlex.corpus.catalog import load_catalog
from legal_index import BUDAPEST, CANADA, SINGAPORE, built, legal_index

CYBERLEX = Path(sys.executable).with_name("cyberlex")
TOOLS = {"search", "get_provision", "lookup_citation", "definitions", "related", "list_instruments"}
PRESERVATION = "expedited preservation of stored computer data"
ILLEGAL_ACCESS = {f"{SINGAPORE}/s-3", f"{CANADA}/s-342.1"}


@dataclass(frozen=True)
class Answer:
    error: bool
    text: str  # the first content block: the JSON, or the error message
    data: Any  # structured content
    ms: float


@dataclass
class Session:
    tools: dict[str, Any] = field(default_factory=dict)
    instructions: str | None = None
    answers: dict[str, Answer] = field(default_factory=dict)


async def record(client: Client, session: Session) -> None:
    """The script: every tool, known answers, then bad input of each kind, then a call that must still work."""
    session.instructions = client.instructions
    session.tools = {t.name: t for t in (await client.list_tools()).tools}

    async def call(key: str, tool: str, **arguments: Any) -> Answer:
        started = time.perf_counter()
        result = await client.call_tool(tool, arguments)
        text = result.content[0].text if result.content else ""
        answer = Answer(result.is_error, text, result.structured_content, (time.perf_counter() - started) * 1000)
        session.answers[key] = answer
        return answer

    await call("search", "search", query=PRESERVATION, k=5)
    await call("search_filtered", "search", query="illegal access", jurisdiction=["Canada"], k=3)
    await call("provision", "get_provision", provision_id=f"{BUDAPEST}/art-29")
    await call("citation", "lookup_citation", citation="Article 29(3) of the Budapest Convention")
    await call("citation_too_deep", "lookup_citation", citation="Budapest Convention art. 29(3)(3)")
    await call("definitions", "definitions", term="computer systems")
    related = await call("related", "related", provision_id=f"{BUDAPEST}/art-2", k=5)
    if not related.error:
        await call("related_first", "get_provision", provision_id=related.data["related"][0]["provision_id"])
    await call("instruments", "list_instruments")

    await call("no_such_provision", "lookup_citation", citation="Budapest Convention art. 99")
    await call("not_a_citation", "lookup_citation", citation="the weather in Strasbourg")
    await call("unknown_provision", "get_provision", provision_id=f"{BUDAPEST}/art-999")
    await call("k_too_large", "search", query="data", k=1000)
    await call("query_too_long", "search", query="data " * 300)
    await call("blank_query", "search", query="   ")
    await call("unknown_jurisdiction", "search", query="data", jurisdiction=["Atlantis"])
    await call("unknown_force", "search", query="data", force=["suggestion"])
    await call("wrong_type", "search", query="data", k="ten")
    await call("related_k_too_large", "related", provision_id=f"{BUDAPEST}/art-2", k=11)
    await call("unknown_tool", "draft_a_memo", topic="data")
    await call("still_answers", "lookup_citation", citation="Art. 2 of the Budapest Convention")


def session_over(connect: Callable[[], Client]) -> Session:
    session = Session()

    async def run() -> None:
        async with connect() as client:
            await record(client, session)

    anyio.run(run)
    return session


def over_stdio(data_dir: Path) -> Session:
    command = StdioServerParameters(command=str(CYBERLEX), args=["mcp"], env={"CYBERLEX_DATA_DIR": str(data_dir)})
    return session_over(lambda: Client(command))


def over_http() -> Session:
    catalog = load_catalog()
    with legal_index(catalog) as (settings, searcher, _):
        with serve(create_app(settings, searcher, catalog)) as url:
            return session_over(lambda: Client(f"{url}/mcp"))


@pytest.fixture(scope="module")
def sessions() -> dict[str, Session]:
    data_dir, _ = built()
    return {"stdio": over_stdio(data_dir), "http": over_http()}  # one after the other: one writer per index


@pytest.fixture(params=["stdio", "http"])
def session(request: pytest.FixtureRequest, sessions: dict[str, Session]) -> Session:
    return sessions[request.param]


def ok(session: Session, key: str) -> Any:
    answer = session.answers[key]
    assert not answer.error, answer.text
    return answer.data


def error(session: Session, key: str) -> str:
    answer = session.answers[key]
    assert answer.error, f"{key} should be a tool error, got {answer.text[:200]}"
    return answer.text


# ---- the tools ---------------------------------------------------------------------------------

def test_the_server_lists_six_read_only_tools_that_tell_the_model_to_quote_and_cite(session: Session) -> None:
    assert set(session.tools) == TOOLS
    assert all(t.annotations.read_only_hint and not t.annotations.destructive_hint for t in session.tools.values())
    assert all(QUOTE in t.description for name, t in session.tools.items() if name != "list_instruments")
    assert session.instructions == INSTRUCTIONS


def test_the_tools_publish_the_api_limits_in_their_schemas(session: Session) -> None:
    query = session.tools["search"].input_schema["properties"]
    assert (query["k"]["maximum"], query["query"]["maxLength"]) == (100, 1000)
    assert "Council of Europe" in query["jurisdiction"]["description"]
    assert "prohibition" in query["force"]["description"]
    assert session.tools["related"].input_schema["properties"]["k"]["maximum"] == 10


def test_search_finds_expedited_preservation_in_budapest_article_29(session: Session) -> None:
    """Articles 16 (at home) and 29 (for another Party) share the heading; both come first."""
    results = ok(session, "search")["results"]
    assert len(results) == 5
    art29 = next(r for r in results[:2] if r["provision_id"].startswith(f"{BUDAPEST}/art-29"))
    assert art29["citation"].startswith("Convention on Cybercrime (ETS No. 185), art. 29")
    assert art29["heading"] == "Expedited preservation of stored computer data"
    assert art29["instrument"]["status"] == "in-force"


def test_search_results_quote_their_provision_verbatim(session: Session) -> None:
    art29 = next(r for r in ok(session, "search")["results"] if r["provision_id"].startswith(f"{BUDAPEST}/art-29"))
    assert art29["text"] and art29["text"] in ok(session, "provision")["text"]


def test_search_filters_as_the_api_does(session: Session) -> None:
    results = ok(session, "search_filtered")["results"]
    assert results and {r["instrument"]["jurisdiction"] for r in results} == {"Canada"}


def test_get_provision_gives_text_hierarchy_neighbours_references_and_status(session: Session) -> None:
    view = ok(session, "provision")
    assert view["citation"] == "Convention on Cybercrime (ETS No. 185), art. 29"
    assert "A Party may request another Party to order or otherwise obtain the expeditious preservation" in view["text"]
    assert view["path"] and view["previous_id"] == f"{BUDAPEST}/art-28" and view["next_id"] == f"{BUDAPEST}/art-30"
    assert view["references"] is not None and view["definitions"] is not None
    assert view["instrument"]["status"] == "in-force"


def test_lookup_citation_gives_the_cited_paragraph(session: Session) -> None:
    view = ok(session, "citation")
    assert view["provision_id"] == f"{BUDAPEST}/art-29/3"
    assert view["citation"] == "Convention on Cybercrime (ETS No. 185), art. 29(3)"
    assert view["text"] and view["text"] in ok(session, "provision")["text"]
    assert (view["cited"], view["notice"]) == (f"{BUDAPEST}/art-29/3", "")


def test_lookup_citation_says_which_level_of_a_pinpoint_deeper_than_the_text_it_gives(session: Session) -> None:
    view = ok(session, "citation_too_deep")
    assert (view["cited"], view["provision_id"]) == (f"{BUDAPEST}/art-29/3/3", f"{BUDAPEST}/art-29/3")
    assert view["notice"] == (f"Budapest Convention art. 29(3)(3): {BUDAPEST}/art-29/3 exists; it has no (3); "
                              "shown is Art. 29(3), the deepest level of it the text has")


def test_definitions_finds_each_instruments_definition_of_computer_system(session: Session) -> None:
    found = {d["instrument_id"]: d for d in ok(session, "definitions")["definitions"]}
    assert set(found) == {BUDAPEST, CANADA}
    assert found[BUDAPEST]["provision_id"] == f"{BUDAPEST}/art-1/a"
    assert found[BUDAPEST]["citation"] == "Convention on Cybercrime (ETS No. 185), art. 1(a)"
    assert found[CANADA]["text"].startswith("computer system means a device")


def test_related_gives_the_national_illegal_access_offences_with_their_text(session: Session) -> None:
    body = ok(session, "related")
    assert len(body["related"]) == 5 and ILLEGAL_ACCESS & {r["provision_id"] for r in body["related"]}
    first = body["related"][0]
    assert first["instrument_id"] != BUDAPEST and first["instrument"]["status"] == "in-force"
    assert first["text"] == ok(session, "related_first")["text"]


def test_list_instruments_gives_the_catalogue_with_what_is_indexed(session: Session) -> None:
    entries = {e["id"]: e for e in ok(session, "instruments")["result"]}
    assert len(entries) == len(load_catalog())
    assert entries[BUDAPEST]["passages"] > 0 and entries[BUDAPEST]["status"] == "in-force"
    assert entries["gdpr-2016-679"]["passages"] == 0


# ---- bad input: a tool error that says why, never a crash --------------------------------------

@pytest.mark.parametrize(("key", "reason"), [
    ("no_such_provision", f"no provision '{BUDAPEST}/art-99' in the index: Budapest Convention art. 99: "
                          "Budapest Convention has no Art. 99; its last article is Art. 48"),
    ("not_a_citation", "'the weather in Strasbourg' is not a citation of a catalogued instrument"),
    ("unknown_provision", f"no provision '{BUDAPEST}/art-999' in the index"),
    ("k_too_large", "less than or equal to 100"),
    ("query_too_long", "at most 1000 characters"),
    ("blank_query", "must not be empty"),
    ("unknown_jurisdiction", "unknown jurisdiction 'Atlantis'; valid values: African Union, Canada"),
    ("unknown_force", "unknown force 'suggestion'; valid values: obligation, prohibition"),
    ("wrong_type", "valid integer"),
    ("related_k_too_large", "less than or equal to 10"),
    ("unknown_tool", "Unknown tool: draft_a_memo"),
])
def test_bad_input_is_a_tool_error_naming_the_reason(session: Session, key: str, reason: str) -> None:
    assert reason in error(session, key)


def test_the_server_still_answers_after_bad_input(session: Session) -> None:
    assert ok(session, "still_answers")["provision_id"] == f"{BUDAPEST}/art-2"
