"""The instrument catalogue: ``catalog.toml`` loaded into validated ``Instrument``s.

Entries are validated when a catalogue is built (from the file or by ``add``), so that every later
lookup can trust them; errors name the entry id and the field, because the file is edited by hand.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import fields
from datetime import date
from pathlib import Path
from types import MappingProxyType

from cyberlex.corpus.errors import CatalogError, InvalidInput, UnknownInstrument
from cyberlex.corpus.model import INSTRUMENT_ID, PROVISION_STATUSES, Instrument, ProvisionId, ProvisionStatus

DEFAULT_PATH = Path(__file__).with_name("catalog.toml")

KINDS = ("treaty", "protocol", "regional-law", "national-law", "soft-law-manual", "un-report", "document")
STATUSES = ("in-force", "not-yet-in-force", "amended", "repealed", "not-applicable")
# What the `status` filter and a passage's `status` mean: the provision's own status when the catalogue records one,
# else its instrument's.
PASSAGE_STATUSES = ("in-force", "not-yet-in-force", "not-yet-applicable", "amended", "suspended", "struck-down",
                    "repealed", "not-applicable")
UNITS = ("article", "section", "rule", "paragraph", "part")
LANGUAGES = ("en", "ar", "ja", "th")
FORMATS = ("markdown", "text", "html", "pdf")
CITABLE_DEPTHS = (0, 1, 2, 3)
FILTER_FIELDS = ("binding", "jurisdiction", "kind", "language", "status", "unit")

_FIELDS = {f.name for f in fields(Instrument)} - {"provision_statuses"} | {"provision_status"}
_REQUIRED = ("id", "file", "format", "title", "short_title", "citation", "kind", "jurisdiction", "language",
             "binding", "status", "unit", "official_url", "text_as_of")
_STATUS_FIELDS = ("provision", "provisions", "status", "date", "source", "url", "note", "partial")
_CHOICES = {"kind": KINDS, "status": STATUSES, "unit": UNITS, "language": LANGUAGES}


def _fail(entry_id: str, field: str, problem: str) -> CatalogError:
    return CatalogError(f"catalogue entry {entry_id!r}, field {field!r}: {problem}")


def _fold(name: str) -> str:
    """Key under which two spellings of a name count as the same (case and spacing ignored)."""
    return " ".join(name.casefold().split())


def _check(inst: Instrument) -> None:
    """Checks that hold for every instrument, from the file or added by a user."""
    if not INSTRUMENT_ID.fullmatch(inst.id):
        raise _fail(inst.id, "id", "use lowercase letters, digits and hyphens (it is part of provision ids)")
    for name in ("title", "citation"):
        if not getattr(inst, name).strip():
            raise _fail(inst.id, name, "must not be empty")
    for name, valid in _CHOICES.items():
        if getattr(inst, name) not in valid:
            raise _fail(inst.id, name, f"{getattr(inst, name)!r} is not one of {', '.join(valid)}")
    if inst.format and inst.format not in FORMATS:
        raise _fail(inst.id, "format", f"{inst.format!r} is not one of {', '.join(FORMATS)}")
    recorded = [s.provision for s in inst.provision_statuses]
    if twice := sorted({p for p in recorded if recorded.count(p) > 1}):
        raise _fail(inst.id, "provision_status", f"{twice[0]!r} has two entries; one provision, one status")
    if inst.citable_depth not in CITABLE_DEPTHS:
        valid = ", ".join(map(str, CITABLE_DEPTHS))
        raise _fail(inst.id, "citable_depth", f"{inst.citable_depth!r} is not one of {valid}")


def _entry(raw: dict, position: int) -> Instrument:
    """One ``[[instrument]]`` table → Instrument, with types checked field by field."""
    entry_id = raw.get("id") if isinstance(raw.get("id"), str) else f"#{position}"
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise _fail(entry_id, unknown[0], f"unknown field; valid fields: {', '.join(sorted(_FIELDS))}")
    for name in _REQUIRED:
        if name not in raw:
            raise _fail(entry_id, name, "missing")
    values = {"adopted": None, **raw}
    for name, value in raw.items():
        if name == "binding":
            if not isinstance(value, bool):
                raise _fail(entry_id, name, f"{value!r} is not true or false")
        elif name == "citable_depth":
            if type(value) is not int:
                raise _fail(entry_id, name, f"{value!r} is not a whole number")
        elif name == "adopted":
            values[name] = _date(entry_id, name, value)
        elif name == "text_as_of":
            if not isinstance(value, str) or not _partial_date(value):
                raise _fail(entry_id, name, f"{value!r} is not a date as YYYY, YYYY-MM or YYYY-MM-DD (in quotes)")
        elif name == "provision_status":
            if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
                raise _fail(entry_id, name, "must be [[instrument.provision_status]] tables")
            values.pop(name)
            values["provision_statuses"] = tuple(s for n, t in enumerate(value, 1) for s in _statuses(entry_id, t, n))
        elif name == "aliases":
            if not isinstance(value, list) or not all(isinstance(a, str) and a.strip() for a in value):
                raise _fail(entry_id, name, "must be a list of non-empty strings")
            values[name] = tuple(value)
        elif not isinstance(value, str):
            raise _fail(entry_id, name, f"{value!r} is not a string")
    return Instrument(**values)


def _date(entry_id: str, field: str, value: object) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _fail(entry_id, field, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _partial_date(text: str) -> bool:
    """A date given only as precisely as a source gives it: "2017", "2023-04", "2026-02-04"."""
    filled = {4: "-01-01", 7: "-01", 10: ""}.get(len(text))
    if filled is None or not text[:4].isdigit():
        return False
    try:
        date.fromisoformat(text + filled)
    except ValueError:
        return False
    return True


def _statuses(entry_id: str, raw: dict, position: int) -> list[ProvisionStatus]:
    """One ``[[instrument.provision_status]]`` table → a ProvisionStatus per provision it names."""
    field = f"provision_status #{position}"
    unknown = sorted(set(raw) - set(_STATUS_FIELDS))
    if unknown:
        raise _fail(entry_id, field, f"unknown key {unknown[0]!r}; valid keys: {', '.join(_STATUS_FIELDS)}")
    if ("provision" in raw) == ("provisions" in raw):
        raise _fail(entry_id, field, "give either provision = \"ID\" or provisions = [\"ID\", ...]")
    ids = [raw["provision"]] if "provision" in raw else raw["provisions"]
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise _fail(entry_id, field, f"{ids!r} is not a provision id or a non-empty list of them")
    status = raw.get("status")
    if status not in PROVISION_STATUSES:
        raise _fail(entry_id, field, f"status {status!r} is not one of {', '.join(PROVISION_STATUSES)}")
    for key in ("source", "url", "note"):
        if not isinstance(raw.get(key, ""), str):
            raise _fail(entry_id, field, f"{key} {raw[key]!r} is not a string")
    if not raw.get("source", "").strip():
        raise _fail(entry_id, field, "source is missing: cite the judgment, act or provision that says so")
    if not isinstance(raw.get("partial", False), bool):
        raise _fail(entry_id, field, f"partial {raw['partial']!r} is not true or false")
    if "date" not in raw:
        raise _fail(entry_id, field, "date is missing: when the judgment, amendment or application date took effect")
    dated = _date(entry_id, field, raw["date"])
    for provision_id in ids:
        try:
            parsed = ProvisionId.parse(provision_id)
        except InvalidInput as exc:
            raise _fail(entry_id, field, str(exc)) from None
        if parsed.instrument != entry_id:
            raise _fail(entry_id, field, f"{provision_id!r} is a provision of {parsed.instrument!r}, not of this "
                                         "instrument")
    return [ProvisionStatus(provision=i, status=status, date=dated, source=raw["source"], url=raw.get("url", ""),
                            note=raw.get("note", ""), partial=raw.get("partial", False)) for i in ids]


class Catalog:
    """An immutable, ordered set of instruments; ``add`` returns a new catalogue."""

    __slots__ = ("_by_id",)

    def __init__(self, instruments: Iterable[Instrument]):
        by_id: dict[str, Instrument] = {}
        owners: dict[str, str] = {}  # folded alias or short title → instrument id
        for inst in instruments:
            _check(inst)
            if inst.id in by_id:
                raise _fail(inst.id, "id", "duplicate id")
            by_id[inst.id] = inst
            for name, field in [(inst.short_title, "short_title"), *((a, "aliases") for a in inst.aliases)]:
                owner = owners.setdefault(_fold(name), inst.id)
                if owner != inst.id:
                    raise _fail(inst.id, field, f"{name!r} is already a name of {owner!r}")
        self._by_id = MappingProxyType(by_id)

    def __iter__(self) -> Iterator[Instrument]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, instrument_id: object) -> bool:
        return instrument_id in self._by_id

    def __repr__(self) -> str:
        return f"Catalog({len(self)} instruments)"

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    def get(self, instrument_id: str) -> Instrument:
        try:
            return self._by_id[instrument_id]
        except KeyError:
            raise UnknownInstrument(instrument_id, self.ids) from None

    def values(self, field: str) -> list:
        """Distinct values of one field, sorted: the options of a search filter."""
        if field not in FILTER_FIELDS:
            raise InvalidInput(f"cannot list values of {field!r}; valid fields: {', '.join(FILTER_FIELDS)}")
        return sorted({getattr(inst, field) for inst in self})

    def add(self, instrument: Instrument) -> Catalog:
        """A catalogue that also holds ``instrument`` (a user's own text, ingested under a new id)."""
        return Catalog([*self, instrument])


def load_catalog(path: Path | None = None) -> Catalog:
    """Read and validate the catalogue; raises CatalogError naming the bad entry and field."""
    path = path or DEFAULT_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"{path}: {exc}") from exc
    entries = data.get("instrument")
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{path}: no [[instrument]] tables")
    return Catalog(_entry(raw, n) for n, raw in enumerate(entries, start=1))
