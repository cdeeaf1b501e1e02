"""Domain errors. Raised anywhere inside; turned into HTTP errors once, at the API edge (api/errors.py).

They cross process boundaries (the ingest parses in a worker process), so an error whose constructor does not take
its message defines ``__reduce__``: pickle would otherwise call it with the message alone."""

from __future__ import annotations


class CyberlexError(Exception):
    """Base of every error the project raises on purpose."""


class NotFound(CyberlexError):
    """A named thing (instrument, provision) does not exist. Maps to 404."""


class InvalidInput(CyberlexError):
    """A value given by a user is out of bounds or not one of the valid ones. Maps to 422/400."""


class UnknownInstrument(NotFound):
    def __init__(self, instrument_id: str, valid: list[str] | tuple[str, ...] = ()):
        self.instrument_id, self.valid = instrument_id, tuple(valid)
        hint = f"; valid ids: {', '.join(sorted(self.valid))}" if self.valid else ""
        super().__init__(f"unknown instrument {instrument_id!r}{hint}")

    def __reduce__(self):
        return type(self), (self.instrument_id, self.valid)


class UnknownProvision(NotFound):
    """``hint`` says what the text has instead (``nearest``, the id of the closest provision that exists)."""

    def __init__(self, provision_id: str, hint: str = "", nearest: str = ""):
        super().__init__(f"no provision {provision_id!r} in the index" + (f": {hint}" if hint else ""))
        self.provision_id, self.hint, self.nearest = provision_id, hint, nearest

    def __reduce__(self):
        return type(self), (self.provision_id, self.hint, self.nearest)


class CatalogError(CyberlexError):
    """A catalogue entry is missing a field or has a bad value; the message names the entry."""


class ConversionError(CyberlexError):
    """A source file could not be turned into text (corrupt, encrypted, empty, unsupported)."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self):
        return type(self), (self.path, self.reason)


class StoreLocked(CyberlexError):
    """Another process holds the embedded store; Qdrant Edge allows one writer per directory."""


class StoreUnavailable(CyberlexError):
    """The Qdrant server cannot be reached, or the index has not been built yet."""


class IndexDamaged(StoreUnavailable):
    """The store differs from what the last ingest recorded writing (index.integrity), or an ingest or upload stopped
    half-way through writing it. Maps to 503."""


class ModelMismatch(CyberlexError):
    """The index's passages were embedded by another model than the one questions would be: every search would
    compare vectors of two spaces."""

    def __init__(self, indexed: str, current: str):
        super().__init__(
            f"the index was embedded with {indexed!r} but questions would be embedded with {current!r}; serve with "
            "the settings the ingest had (CYBERLEX_MODEL, CYBERLEX_ADAPT), or run cyberlex ingest again"
        )
        self.indexed, self.current = indexed, current

    def __reduce__(self):
        return type(self), (self.indexed, self.current)


class DiskFull(CyberlexError):
    """Too little free space to write what an ingest or upload would write; nothing was written. Maps to 507."""
