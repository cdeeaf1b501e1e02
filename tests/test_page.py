"""The adviser's page, driven in headless Chromium against the app served by uvicorn over a small real index.

Set CYBERLEX_SCREENSHOT=1 to save the results page to docs/screenshot.png.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from api_index import BUDAPEST, CONSENT, small_index
from browser import browser, page, serve_index  # noqa: F401 (browser and page are fixtures)
from cyberlex.corpus.catalog import load_catalog
from cyberlex.settings import PACKAGE_ROOT

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    catalog = load_catalog()
    with serve_index(small_index(tmp_path_factory.mktemp("page-index"), catalog), catalog) as url:
        yield url


def search(page: Page, query: str) -> None:
    page.fill("#q", query)
    page.press("#q", "Enter")


def test_a_search_shows_cited_results_with_the_query_terms_marked(page: Page, tmp_path: Path) -> None:
    page.goto("/")
    search(page, "preservation of stored computer data")
    first = page.locator(".result").first
    expect(first.locator("h2")).to_contain_text("Convention on Cybercrime (ETS No. 185), art. 29")
    expect(first.locator(".heading")).to_have_text("Expedited preservation of stored computer data")
    expect(first.locator(".facts")).to_contain_text(
        "Budapest Convention · treaty · Council of Europe · binding · text as of 2017"
    )
    expect(first.locator(".good-law")).to_have_text("Status: In force")
    expect(first.locator("mark").first).to_have_text(re.compile("preservation|stored|computer|data", re.I))
    expect(page.locator("#status")).to_contain_text("for “preservation of stored computer data”")
    assert "q=preservation+of+stored+computer+data" in page.url
    folder = PACKAGE_ROOT / "docs" if os.environ.get("CYBERLEX_SCREENSHOT") == "1" else tmp_path
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / "screenshot.png"))


def test_a_filter_narrows_the_results_and_goes_into_the_url(page: Page) -> None:
    page.goto("/?q=data")
    expect(page.locator(".result").first).to_be_visible()
    page.select_option("#f-jurisdiction", "EU")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"jurisdiction=EU"))
    facts = page.locator(".result .facts")
    expect(facts.first).to_contain_text("EU")
    assert all(" · EU · " in text for text in facts.all_inner_texts())


def test_a_result_opens_the_full_provision_with_its_place_neighbours_and_catalogue_entry(page: Page) -> None:
    page.goto("/?q=expeditious preservation of stored data")
    page.locator(".result").first.get_by_role("link", name="Full provision").click()
    expect(page).to_have_url(re.compile(f"/p/{BUDAPEST}/art-29(\\?focus=.+)?$"))  # focus: the paragraph matched
    expect(page.locator("h1.provision-title")).to_have_text("Art. 29 — Expedited preservation of stored computer data")
    expect(page.locator(".breadcrumb")).to_have_text(re.compile("Budapest Convention.*Chapter III.*Art. 29"))
    expect(page.locator(".provision-text")).to_contain_text("dual criminality shall not be required")
    expect(page.get_by_role("link", name="← Previous: Art. 2")).to_have_attribute("href", f"/p/{BUDAPEST}/art-2")
    official = page.locator(".catalogue").get_by_role("link", name=re.compile("Official text"))
    expect(official).to_have_attribute("href", re.compile(r"^https://www\.coe\.int/"))
    page.get_by_role("link", name="Next: Art. 30 →").click()
    expect(page.locator("h1.provision-title")).to_contain_text("Art. 30")
    page.go_back()
    page.go_back()
    expect(page.locator(".result").first).to_be_visible()


def test_copy_citation_puts_the_citation_on_the_clipboard(page: Page) -> None:
    page.goto("/?q=personal data breach")
    first = page.locator(".result").first
    citation = first.locator("h2").inner_text()
    first.get_by_role("button", name=re.compile("^Copy citation")).click()
    expect(first.get_by_role("button", name=re.compile("^Copy citation"))).to_have_text("Copied ✓")
    assert page.evaluate("navigator.clipboard.readText()") == citation


def test_copy_citation_copies_the_pinpoint_in_the_case_the_text_prints_it(page: Page) -> None:
    page.goto("/?q=interception+where+a+party+has+given+prior+consent")
    card = page.locator(".result", has=page.locator(f'h2 a[href="/p/{CONSENT}"]'))
    expect(card.locator("h2")).to_have_text("18 U.S.C. § 2511(2)(d)")  # not (2)(D): lettered paragraphs under (2)
    card.get_by_role("button", name=re.compile("^Copy citation")).click()
    expect(card.get_by_role("button", name=re.compile("^Copy citation"))).to_have_text("Copied ✓")
    assert page.evaluate("navigator.clipboard.readText()") == "18 U.S.C. § 2511(2)(d)"


def test_a_shared_url_opens_with_its_query_filters_and_results(page: Page) -> None:
    page.goto("/?q=notify+a+personal+data+breach&jurisdiction=EU&binding=true")
    expect(page.locator("#q")).to_have_value("notify a personal data breach")
    expect(page.locator("#f-jurisdiction")).to_have_value("EU")
    expect(page.locator("#f-binding")).to_have_value("true")
    expect(page.locator(".result h2").first).to_contain_text("Regulation (EU) 2016/679")


def test_a_typed_citation_lands_on_the_provision(page: Page) -> None:
    page.goto("/")
    search(page, "Budapest art. 29(3)")
    cited = page.locator(".cited")
    expect(cited.locator(".provision-title")).to_have_text(
        "Art. 29(3) — Expedited preservation of stored computer data"
    )
    expect(cited.locator(".provision-text")).to_contain_text("dual criminality shall not be required")
    expect(cited.get_by_role("link", name="Art. 29", exact=True)).to_have_attribute("href", f"/p/{BUDAPEST}/art-29")


def test_a_search_without_results_says_so_and_offers_to_drop_the_filters(page: Page) -> None:
    page.goto("/?q=self-defence+against+an+armed+attack&jurisdiction=Kenya")
    expect(page.locator(".empty")).to_contain_text(
        "No provision matches “self-defence against an armed attack” with jurisdiction: Kenya."
    )
    page.get_by_role("link", name="search again without filters").click()
    expect(page.locator(".result h2").first).to_contain_text("Charter")
    expect(page.locator("#f-jurisdiction")).to_have_value("")


def test_an_empty_query_asks_for_one(page: Page) -> None:
    page.goto("/")
    page.click("button[type=submit]")
    expect(page.locator("#status")).to_have_text("Type a question, a topic or a citation, then search.")
    expect(page.locator("#q")).to_be_focused()


def test_an_api_error_shows_its_reason(page: Page) -> None:
    page.goto("/?q=data&jurisdiction=Atlantis")
    expect(page.get_by_role("alert")).to_contain_text(
        "The search failed: unknown jurisdiction 'Atlantis'; valid values:"
    )


def test_markup_in_a_query_is_shown_as_text_never_run(page: Page) -> None:
    page.goto("/")
    search(page, '<img src=x onerror="document.title=1">data')
    expect(page.locator("#status")).to_contain_text('<img src=x onerror="document.title=1">data')
    expect(page.locator(".result").first).to_be_visible()
    assert page.locator("main img, #status img").count() == 0


def test_the_page_works_from_the_keyboard_alone(page: Page) -> None:
    page.goto("/")
    for _ in range(4):  # skip link, brand, then the search box
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    expect(page.locator("#q")).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.type("breach notification")
    page.keyboard.press("Enter")
    expect(page.locator(".result").first).to_be_visible()
    page.locator(".result h2 a").first.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/p/"))
    expect(page.locator("h1.provision-title")).to_be_visible()


def test_the_page_says_how_it_read_the_question_and_can_search_it_as_typed(page: Page) -> None:
    page.goto("/")
    search(page, "Budapest Convention preservation of stored data")
    understood = page.locator(".understood")
    expect(understood).to_contain_text("Read as:")
    expect(understood).to_contain_text("Budapest Convention first")
    understood.get_by_role("link", name="search as typed instead").click()
    expect(page).to_have_url(re.compile(r"understand=false"))
    expect(page.locator(".understood")).to_contain_text("Searched as typed")
    expect(page.locator(".result").first).to_be_visible()


def test_the_page_says_which_kind_of_rule_it_favoured(page: Page) -> None:
    page.goto("/")
    search(page, "is sharing someone's password a crime?")
    expect(page.locator(".understood")).to_contain_text("offences favoured")
    search(page, "does the GDPR apply to companies outside the EU?")
    expect(page.locator(".understood")).to_contain_text("scope provisions favoured")


def test_nonsense_gets_no_results_and_the_reason(page: Page) -> None:
    page.goto("/?q=zzzzqqqq")
    expect(page.locator(".empty")).to_contain_text("No provision matches")
    expect(page.locator(".notice")).to_contain_text("Nothing in the corpus matches this query")


def test_after_a_filtered_search_a_typed_citation_opens_its_instrument_and_names_the_filters_set_aside(
        page: Page) -> None:
    page.goto("/?q=incident+reporting&jurisdiction=Kenya")
    expect(page.locator("#f-jurisdiction")).to_have_value("Kenya")
    search(page, "Art. 33 GDPR")
    expect(page).to_have_url(re.compile(r"jurisdiction=Kenya"))
    expect(page.locator(".cited .kicker")).to_have_text("The provision you cited")
    expect(page.locator(".cited .notice")).to_contain_text("these filters were set aside for it: jurisdiction: Kenya.")
    expect(page.locator("#status")).to_contain_text("other passages with jurisdiction: Kenya")
    expect(page.locator(".cited h2.citation, .cited .citation-text").first).to_contain_text(
        "Regulation (EU) 2016/679, art. 33")


def test_a_pinpoint_deeper_than_the_text_is_shown_as_the_level_found_not_as_the_provision_cited(page: Page) -> None:
    page.goto("/?q=Budapest+art.+29(1)(a)")
    expect(page.locator(".cited .kicker")).to_have_text("The deepest level of your citation the text has")
    expect(page.locator(".notice").first).to_contain_text("it has no (a); shown is Art. 29(1)")
    expect(page.locator("#status")).to_contain_text("Your citation goes deeper than the text")
    expect(page.locator(".cited")).not_to_contain_text("The provision you cited")
    expect(page.locator(".cited .citation-text")).to_have_text("Convention on Cybercrime (ETS No. 185), art. 29(1)")


def test_a_typed_citation_says_which_filters_it_set_aside(page: Page) -> None:
    page.goto("/?q=GDPR+art.+33&jurisdiction=Council+of+Europe")
    expect(page.locator(".cited .notice")).to_contain_text("these filters were set aside for it: jurisdiction")
    expect(page.locator(".cited")).to_contain_text("Regulation (EU) 2016/679")


def test_a_question_typed_while_the_page_still_loads_is_kept(page: Page) -> None:
    held = []
    page.route("**/vocabularies", lambda route: held.append(route))  # the first view waits for this answer
    page.goto("/")
    page.fill("#q", "preservation of stored computer data")
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()
    expect(page.locator("main h1")).to_have_text("Find the provision, with its citation")
    expect(page.locator("#q")).to_have_value("preservation of stored computer data")
