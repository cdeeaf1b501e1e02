"""The page's table of contents, export and phone layout, in headless Chromium over the small real index."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from api_index import BUDAPEST, small_index
from browser import PATIENCE_MS, browser, page, serve_index  # noqa: F401 (browser and page are fixtures)
from cyberlex.corpus.catalog import load_catalog

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    catalog = load_catalog()
    with serve_index(small_index(tmp_path_factory.mktemp("page-contents-index"), catalog), catalog) as url:
        yield url


# ---- the table of contents ---------------------------------------------------------------------

def test_the_contents_view_lists_divisions_and_units_linking_to_each_provision(page: Page) -> None:
    page.goto(f"/i/{BUDAPEST}")
    contents = page.locator(".contents")
    expect(contents.locator("h1")).to_have_text("Budapest Convention")
    expect(contents.locator("h1")).to_have_attribute("title", "Convention on Cybercrime (ETS No. 185)")
    chapter = contents.locator(".toc > .toc-division").nth(1)
    expect(chapter.locator("summary").first).to_have_text("Chapter III 4 passages")
    expect(chapter.locator(".toc-unit")).to_have_count(2)
    nested = page.locator(".toc .toc-division .toc-division .toc-unit")
    expect(nested).to_have_text(["Art. 2 — Illegal access 1 passage"])
    contents.get_by_role("link", name="Art. 29 — Expedited preservation of stored computer data").click()
    expect(page).to_have_url(re.compile(f"/p/{BUDAPEST}/art-29$"))
    expect(page.locator("h1.provision-title")).to_contain_text("Art. 29")


def test_the_breadcrumb_leads_into_the_contents_at_the_provision_and_its_divisions(page: Page) -> None:
    page.goto(f"/p/{BUDAPEST}/art-2")
    crumbs = page.locator(".breadcrumb")
    title_1 = crumbs.get_by_role("link", name="Title 1")
    expect(title_1).to_have_attribute("href", f"/i/{BUDAPEST}#toc-chapter-ii--title-1")
    crumbs.get_by_role("link", name="Budapest Convention").click()
    expect(page).to_have_url(re.compile(f"/i/{BUDAPEST}\\?at={re.escape(BUDAPEST)}%2Fart-2$"))
    expect(page.locator(".toc .current")).to_have_text("Art. 2 — Illegal access 1 passage")
    page.go_back()
    page.locator(".breadcrumb").get_by_role("link", name="Chapter II").click()
    expect(page.locator(".toc .target")).to_have_id("toc-chapter-ii")
    expect(page.locator(".toc .target > details > summary")).to_be_in_viewport()


def test_an_unknown_instruments_contents_says_so(page: Page) -> None:
    page.goto("/i/no-such-law")
    expect(page.get_by_role("alert")).to_contain_text("Could not open the contents of no-such-law: unknown instrument")


def test_the_whole_article_opened_from_a_paragraph_result_marks_that_paragraph(page: Page) -> None:
    page.goto("/?q=dual criminality shall not be required for preservation")
    first = page.locator(".result").first
    expect(first.locator("h2")).to_contain_text("art. 29(3)")
    first.get_by_role("link", name=re.compile("^Full provision")).click()
    expect(page).to_have_url(re.compile(f"/p/{BUDAPEST}/art-29\\?focus={re.escape(BUDAPEST)}%2Fart-29%2F3$"))
    matched = page.locator(".provision-text mark.matched")
    expect(matched).to_have_text(re.compile(r"^3\. The requested Party .* required for preservation\.$"))
    expect(matched).to_be_in_viewport()
    expect(page.locator(".provision-text")).to_contain_text("1. A Party may ask")  # the whole article all the same
    expect(page.locator("#status")).to_have_text("Art. 29(3), the part your result matched, is highlighted.")


# ---- choosing results and exporting them --------------------------------------------------------

def test_chosen_results_download_as_csv_in_their_order(page: Page) -> None:
    page.goto("/?q=notify within 72 hours")
    cards = page.locator(".results[aria-label='Results'] > .result")
    expect(cards.first).to_be_visible()
    download = page.locator("#export-download")
    expect(download).to_be_disabled()
    ids = [cards.nth(n).get_attribute("data-provision") for n in (0, 1)]
    for n in (0, 1):
        cards.nth(n).locator(".choose input").check()
    expect(page.locator("#export-count")).to_have_text(re.compile(r"^2 of \d+ chosen$"))
    page.select_option("#export-format", "csv")
    with page.expect_download() as event:
        download.click()
    saved = event.value
    assert saved.suggested_filename == "cyberlex-selection.csv"
    rows = list(csv.DictReader(io.StringIO(open(saved.path(), encoding="utf-8-sig").read())))
    assert [r["id"] for r in rows] == ids
    assert rows[0]["citation"] == cards.first.locator("h2").inner_text()


def test_select_all_copies_every_result_as_oscola_citations(page: Page) -> None:
    page.goto("/?q=preservation of stored computer data&jurisdiction=Council of Europe")
    cards = page.locator(".results[aria-label='Results'] > .result")
    expect(cards.first).to_be_visible()
    page.get_by_label("Select all").check()
    count = cards.count()
    expect(page.locator("#export-count")).to_have_text(f"{count} of {count} chosen")
    page.click("#export-copy")
    expect(page.locator("#status")).to_have_text(f"Copied {count} results as OSCOLA citations.")
    copied = page.evaluate("navigator.clipboard.readText()").splitlines()
    assert len(copied) == count
    budapest = "Convention on Cybercrime (adopted 23 November 2001) ETS No 185, art "
    assert all(line.startswith(budapest) for line in copied)
    cards.first.locator(".choose input").uncheck()
    expect(page.get_by_label("Select all")).not_to_be_checked()


# ---- at a glance, and on a phone ----------------------------------------------------------------

def test_cards_show_the_short_title_with_the_full_title_on_hover(page: Page) -> None:
    page.goto("/?q=personal data breach notification")
    card = page.locator(".result", has=page.locator(".instrument-title", has_text="GDPR")).first
    title = card.locator(".instrument-title")
    expect(title).to_have_text("GDPR")
    expect(title).to_have_attribute("title", re.compile(r"^Regulation \(EU\) 2016/679 of the European Parliament"))
    card.get_by_role("link", name=re.compile("^Full provision")).click()
    expect(page.locator(".catalogue")).to_contain_text("Regulation (EU) 2016/679 of the European Parliament")


def test_on_a_phone_the_filters_fold_behind_one_button_and_the_first_result_shows(browser: Browser,
                                                                                  base_url: str) -> None:
    context = browser.new_context(base_url=base_url, viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(PATIENCE_MS)
    phone = context.new_page()
    try:
        phone.goto("/?q=notify a personal data breach&jurisdiction=EU")
        first = phone.locator(".result").first
        expect(first.locator("h2")).to_be_visible()
        expect(phone.locator("#f-jurisdiction")).to_be_hidden()
        toggle = phone.get_by_role("button", name="Filters (1)")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        box = first.locator("h2").bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
        toggle.click()
        expect(phone.locator("#f-jurisdiction")).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_on_a_laptop_the_filters_show_without_the_button(page: Page) -> None:
    page.goto("/")
    expect(page.locator("#f-jurisdiction")).to_be_visible()
    expect(page.locator("#filters-toggle")).to_be_hidden()


def test_the_provision_a_typed_citation_opened_can_be_chosen_first(page: Page) -> None:
    page.goto("/?q=Budapest art. 29(3)")
    expect(page.locator(".cited .provision-title")).to_contain_text("Art. 29(3)")
    page.get_by_label("Choose the provision you cited").check()
    page.select_option("#export-format", "bluebook")
    page.click("#export-copy")
    expect(page.locator("#status")).to_have_text("Copied 1 result as Bluebook citations.")
    assert page.evaluate("navigator.clipboard.readText()") == \
        "Convention on Cybercrime art. 29(3), Nov. 23, 2001, E.T.S. No. 185\n"
