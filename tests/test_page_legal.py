"""The page's legal intelligence in headless Chromium: tag badges and filters on results, and on a provision's page
its tags, linked defined terms and references, related provisions, and the definitions of a term."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from browser import browser, page, serve_index  # noqa: F401 (browser and page are fixtures)
from cyberlex.corpus.catalog import load_catalog
from legal_index import BUDAPEST, CANADA, SINGAPORE, legal_index

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    catalog = load_catalog()
    with serve_index(legal_index(catalog), catalog) as url:
        yield url


def test_results_show_tag_badges_and_the_force_filter_keeps_only_that_force(page: Page) -> None:
    page.goto("/?q=access+to+a+computer+system+without+right")
    expect(page.locator(".result .tags").first).to_be_visible()
    page.select_option("#f-force", "prohibition")
    page.select_option("#f-addressee", "persons")
    page.click("#search button[type=submit]")
    expect(page).to_have_url(re.compile(r"force=prohibition&addressee=persons"))
    expect(page.locator("#status")).to_contain_text("force: prohibition, addressee: persons")
    tags = page.locator(".result .tags")
    expect(tags.first).to_contain_text("Prohibition")
    assert all("Prohibition" in t and "→ persons" in t for t in tags.all_inner_texts())


def test_a_provision_page_links_its_terms_and_references_and_lists_related_provisions(page: Page) -> None:
    page.goto(f"/p/{BUDAPEST}/art-14")
    expect(page.locator(".provision-text a.xref", has_text="Article 21").first).to_have_attribute(
        "href", f"/p/{BUDAPEST}/art-21")
    page.goto(f"/p/{BUDAPEST}/art-2")
    expect(page.locator(".provision .tags")).to_contain_text("Obligation")
    expect(page.locator(".provision .tags")).to_contain_text("→ states")
    term = page.locator(".provision-text a.defined-term", has_text="computer system").first
    expect(term).to_have_attribute("href", f"/p/{BUDAPEST}/art-1/a")
    related = page.locator(".related .related-item h3 a")
    expect(related.first).to_be_visible()
    first_five = related.evaluate_all("links => links.slice(0, 5).map(a => a.getAttribute('href'))")
    assert {f"/p/{SINGAPORE}/s-3", f"/p/{CANADA}/s-342.1"} & set(first_five), first_five
    expect(page.locator(".related .related-item .facts").first).to_contain_text("in force")
    page.get_by_role("link", name="Definitions of “computer system” in every instrument").click()
    expect(page.locator("h1")).to_have_text("Definitions of “computer system”")
    expect(page.locator(".result h2")).to_have_count(2)
    expect(page.locator(".result h2").first).to_contain_text("Convention on Cybercrime (ETS No. 185), art. 1(a)")


def test_the_defined_term_box_looks_a_term_up(page: Page) -> None:
    page.goto("/")
    page.fill("#define-term", "computer data")
    page.press("#define-term", "Enter")
    expect(page).to_have_url(re.compile(r"define=computer\+data"))
    expect(page.locator("#status")).to_contain_text("of “computer data”")
    expect(page.locator(".result h2").first).to_contain_text("art. 1(b)")
