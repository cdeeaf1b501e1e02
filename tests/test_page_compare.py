"""The compare view in headless Chromium: reached from a provision's page by its "Compare across jurisdictions"
link, a table of each other instrument's counterpart, over the six instruments of Budapest art. 2's counterparts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from browser import browser, page, serve_index  # noqa: F401 (browser and page are fixtures)
from cyberlex.corpus.catalog import load_catalog
from legal_index import BUDAPEST, CFAA, COMPARED, KENYA, MALABO, PHILIPPINES, SINGAPORE, legal_index

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    catalog = load_catalog()
    with serve_index(legal_index(catalog, COMPARED), catalog) as url:
        yield url


def test_a_provision_page_opens_the_compare_view_of_its_counterparts(page: Page) -> None:
    page.goto(f"/p/{BUDAPEST}/art-2")
    page.get_by_role("link", name="Compare across jurisdictions").click()
    expect(page).to_have_url(f"{page.url.split('/?')[0]}/?compare={BUDAPEST.replace('/', '%2F')}%2Fart-2")
    expect(page.locator("#compare-title")).to_contain_text("art. 2 — Illegal access")
    headers = page.locator(".compare-table thead th").all_inner_texts()
    assert headers == ["Jurisdiction", "Citation", "Heading", "Key sentence", "Status", "Force"]
    links = page.locator(".compare-table tbody td.citation a")
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    for counterpart in (f"{KENYA}/s-14", f"{PHILIPPINES}/s-4/a/1", f"{CFAA}/s-1030/a/2", f"{MALABO}/art-29",
                        f"{SINGAPORE}/s-3"):
        assert any(h == f"/p/{counterpart}" or h.startswith(f"/p/{counterpart}/") for h in hrefs), (counterpart, hrefs)
    cfaa = page.locator(".compare-table tbody tr", has_text="18 U.S.C. § 1030(a)(2)")
    expect(cfaa.locator(".key-sentence")).to_contain_text("intentionally accesses a computer without authorization")
    expect(cfaa).to_contain_text("in force")
    page.get_by_role("link", name="18 U.S.C. § 1030(a)(2)").click()
    expect(page.locator(".provision-title")).to_contain_text("§ 1030(a)(2)")


def test_an_unknown_provision_says_it_cannot_be_compared(page: Page) -> None:
    page.goto(f"/?compare={BUDAPEST}/art-999")
    expect(page.locator(".error-box")).to_contain_text("Could not compare")
    expect(page.locator(".error-box")).to_contain_text("art-999")
