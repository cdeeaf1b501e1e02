"""Good law on the page, in headless Chromium: a status badge on every result card and on the provision view, with
the source linked, visibly unlike "in force"; the Status filter; the date of the instrument's text."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from browser import browser, page, serve_index  # noqa: F401 (browser and page are fixtures)
from cyberlex.corpus.catalog import load_catalog
from legal_index import legal_index
from status_index import ECHR, INSTRUMENTS, RA10175

pytestmark = pytest.mark.browser

LAWPHIL = "https://lawphil.net/judjuris/juri2014/feb2014/gr_203335_2014.html"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    catalog = load_catalog()
    with serve_index(legal_index(catalog, INSTRUMENTS), catalog) as url:
        yield url


def card(page: Page, provision_id: str):
    """The result card whose Full provision link opens ``provision_id`` (at the part that matched, if any)."""
    opens = f'a[href="/p/{provision_id}"], a[href^="/p/{provision_id}?focus="]'
    return page.locator(".result").filter(has=page.locator(opens))


def test_every_result_card_has_a_status_badge_and_s_12_reads_struck_down(page: Page) -> None:
    page.goto(f"/?q=real-time+collection+of+traffic+data&instrument={RA10175}")
    expect(page.locator(".result").first).to_be_visible()
    assert page.locator(".result").count() == page.locator(".result .good-law").count()
    s12 = card(page, f"{RA10175}/s-12").first
    badge = s12.locator(".good-law")
    expect(badge).to_have_attribute("data-status", "struck-down")
    expect(badge).to_contain_text("Struck down · Disini v. Secretary of Justice (2014)")
    expect(badge.locator("a")).to_have_attribute("href", LAWPHIL)
    expect(s12.locator(".facts")).to_contain_text("text as of 2012-09-12")
    expect(s12.locator(".facts")).not_to_contain_text("in force")
    in_force = page.locator('.result .good-law[data-status="in-force"]').first
    expect(in_force).to_contain_text("In force")
    colour = "window.getComputedStyle(el.querySelector('.status-badge')).backgroundColor"
    assert badge.evaluate(f"el => {colour}") != in_force.evaluate(f"el => {colour}")


def test_the_provision_view_shows_the_badge_the_extent_and_the_struck_down_parts(page: Page) -> None:
    page.goto(f"/p/{RA10175}/s-12")
    badge = page.locator(".provision .good-law").first
    expect(badge).to_contain_text("Struck down · Disini v. Secretary of Justice (2014)")
    expect(badge).to_contain_text("(real-time collection of traffic data) — 11 February 2014")
    expect(badge.locator("a")).to_have_attribute("href", LAWPHIL)
    expect(page.locator(".catalogue")).to_contain_text("Text as of2012-09-12")
    page.goto(f"/p/{RA10175}/s-4")
    expect(page.locator(".provision .good-law").first).to_have_attribute("data-status", "in-force")
    within = page.locator(".provision .good-law.within")
    expect(within).to_contain_text("s. 4(c)(3): Struck down")
    expect(within).to_contain_text("s. 4(c)(4): Struck down in part")
    within.get_by_role("link", name="s. 4(c)(3)").click()
    expect(page).to_have_url(re.compile(r"/p/philippines-cybercrime-prevention-act-2012/s-4/c/3$"))
    expect(page.locator(".provision .good-law").first).to_have_attribute("data-status", "struck-down")


def test_the_status_filter_keeps_only_struck_down_provisions(page: Page) -> None:
    page.goto("/?q=traffic+data")
    expect(page.locator("#f-status option[value=struck-down]")).to_have_count(1)
    page.select_option("#f-status", "struck-down")
    page.click("#search button[type=submit]")
    expect(page).to_have_url(re.compile(r"status=struck-down"))
    expect(page.locator("#status")).to_contain_text("status: struck down")
    statuses = page.locator(".result .good-law").evaluate_all("els => els.map((e) => e.dataset.status)")
    assert statuses and set(statuses) == {"struck-down"}


def test_a_result_from_an_amended_instrument_says_its_text_is_older(page: Page) -> None:
    page.goto(f"/?q=freedom+of+expression&instrument={ECHR}")
    art10 = card(page, f"{ECHR}/art-10").first
    expect(art10.locator(".good-law")).to_contain_text("Amended · later amendments are not in this text (text as of 2017)")
