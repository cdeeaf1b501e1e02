"""Citations in OSCOLA (4th ed.) and Bluebook (21st ed.) style, made from the catalogue's data alone: the
instrument's citation, title, kind and adoption date, and the pinpoint as the text prints it ("Art. 29(3)",
"§ 2511(2)(d)"). The rules followed, and what the catalogue lacks to follow them further, are in README
(Export).

OSCOLA: no full stops in abbreviations (art, s, para, r, pt, No, USC); a treaty by its full title, as "Title
(adopted 23 November 2001) ETS No 185, art 29(3)"; EU legislation by its full title; other legislation by its
short citation ("Computer Misuse Act 1993 (Singapore), s 3(1)"); the US Code as "18 USC § 1030(a)(2)".

Bluebook: a treaty by its full title, as "Title art. 29(3), Nov. 23, 2001, E.T.S. No. 185"; the US Code as "18 U.S.C.
§ 1030(a)(2)"; sections of other statutes with §, paragraphs with ¶; other instruments as "Citation, art. 33",
with the year of adoption in parentheses when the citation does not already hold it.
"""

from __future__ import annotations

import re
from datetime import date

from cyberlex.corpus.model import Instrument, ProvisionId

STYLES = ("oscola", "bluebook")
_OSCOLA_WORDS = {"art": "art", "s": "s", "rule": "r", "recital": "recital", "annex": "annex", "para": "para",
                 "part": "pt", "preamble": "preamble"}
_BLUEBOOK_WORDS = {"art": "art.", "s": "§", "rule": "r.", "recital": "recital", "annex": "annex", "para": "¶",
                   "part": "pt.", "preamble": "pmbl."}
_BLUEBOOK_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")
_SERIES = re.compile(r"\s*\((?P<series>[A-Z]+ No\. [\w.]+)\)$")  # "Convention on Cybercrime (ETS No. 185)"
_US_CODE = re.compile(r"(?P<title>\d+) U\.S\.C\.$")
_TREATIES = ("treaty", "protocol")


def cite_as(style: str, instrument: Instrument, provision_id: str, label: str) -> str:
    """The provision ``provision_id``, whose label is ``label`` as printed, cited in ``style``."""
    kind = ProvisionId.parse(provision_id).kind
    number = label.split(" ", 1)[1] if " " in label else ""  # "Art. 29(3)" → "29(3)"; "Preamble" → ""
    if style == "oscola":
        return _oscola(instrument, " ".join(filter(None, (_OSCOLA_WORDS[kind], number))))
    return _bluebook(instrument, " ".join(filter(None, (_BLUEBOOK_WORDS[kind], number))))


def _oscola(instrument: Instrument, pinpoint: str) -> str:
    if us := _US_CODE.match(instrument.citation):
        return f"{us['title']} USC § {pinpoint.removeprefix('s ')}"
    if instrument.kind in _TREATIES:
        series = _SERIES.search(instrument.title)
        name = _SERIES.sub("", instrument.title)
        adopted = f" (adopted {instrument.adopted.day} {instrument.adopted:%B %Y})" if instrument.adopted else ""
        return f"{name}{adopted}{' ' + _no_stops(series['series']) if series else ''}, {pinpoint}"
    name = instrument.title if instrument.jurisdiction == "EU" else instrument.citation
    return f"{_no_stops(name)}, {pinpoint}"


def _bluebook(instrument: Instrument, pinpoint: str) -> str:
    if _US_CODE.match(instrument.citation):
        return f"{instrument.citation} {pinpoint}"
    if instrument.kind in _TREATIES:
        series = _SERIES.search(instrument.title)
        name = _SERIES.sub("", instrument.title)
        parts = [f"{name} {pinpoint}", _bluebook_date(instrument.adopted) if instrument.adopted else "",
                 _bluebook_series(series["series"]) if series else ""]
        return ", ".join(filter(None, parts))
    year = instrument.adopted and str(instrument.adopted.year)
    dated = f" ({year})" if year and year not in instrument.citation else ""
    return f"{instrument.citation}, {pinpoint}{dated}"


def _no_stops(text: str) -> str:
    """OSCOLA's abbreviations take no full stops: "No. 5" → "No 5"."""
    return re.sub(r"\bNo\.", "No", text)


def _bluebook_date(day: date) -> str:
    return f"{_BLUEBOOK_MONTHS[day.month - 1]} {day.day}, {day.year}"


def _bluebook_series(series: str) -> str:
    """"ETS No. 185" → "E.T.S. No. 185": a series' initials take full stops."""
    initials, _, rest = series.partition(" ")
    return f"{'.'.join(initials)}. {rest}"
