"""Export: a search's results (the parameters of /search) or chosen provisions (ids=) as a citation list in OSCOLA
or Bluebook style, as CSV or as RIS, sent as a file to download."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from cyberlex.api.deps import InventoryDep, SearcherDep, SettingsDep
from cyberlex.api.models import ErrorOut
from cyberlex.api.routes.search import SearchParams, search
from cyberlex.corpus.errors import InvalidInput
from cyberlex.corpus.export import FORMATS, ExportItem, render

router = APIRouter(tags=["export"])

ExportFormat = Literal["oscola", "bluebook", "csv", "ris"]  # the keys of corpus.export.FORMATS


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {"content": {f.media_type.split(";")[0]: {}
                          for f in FORMATS.values()}, "description": "the file, with a Content-Disposition name"},
        404: {"model": ErrorOut, "description": "an id the index lacks; the message names the nearest provision"},
        422: {"model": ErrorOut, "description": "a bad format (the message names the valid ones), q and ids "
                                                "both or neither, or a search parameter /search refuses"},
        503: {"model": ErrorOut},
    },
)
def export(
    request: Request,
    searcher: SearcherDep,
    inventory: InventoryDep,
    settings: SettingsDep,
    format: Annotated[ExportFormat, Query(description="oscola or bluebook (a citation list, one a line), csv "
                                                      "(citation, id, heading, text, status, url), or ris")],
    params: Annotated[SearchParams, Depends()],
    q: Annotated[str | None, Query(description="a search, as /search takes it, with its filters and k")] = None,
    ids: Annotated[list[str], Query(description="repeatable: provision ids, written out in this order, "
                                                "instead of a search")] = [],
) -> Response:
    """The results of the search `q` (the same parameters and the same results as `/search`), or the provisions
    `ids` in full, in `format`. Each carries its citation as shown on the page, its text verbatim and its status
    (its own where the catalogue records one, else its instrument's); OSCOLA and Bluebook lists are formatted from
    the catalogue (README: Export)."""
    if bool(ids) == (q is not None):
        both = ", not both" if ids else ""
        raise InvalidInput(f"give q (export a search's results) or ids (export chosen provisions){both}")
    if len(ids) > settings.max_k:
        raise InvalidInput(f"ids names {len(ids)} provisions; at most {settings.max_k}")
    page = str(request.base_url).rstrip("/") + "/p/"
    items = []
    if ids:
        for provision_id in ids:
            view = searcher.provision(provision_id)
            instrument = inventory.get(view.instrument_id)
            items.append(ExportItem(view.provision_id, view.label, view.heading, view.citation, view.text,
                                    page + quote(view.provision_id), instrument))
    else:
        for r in search(searcher, inventory, settings, q=q or "", params=params).results:
            instrument = inventory.get(r.instrument_id)
            items.append(ExportItem(r.provision_id, r.label, r.heading, r.citation, r.text,
                                    page + quote(r.provision_id), instrument))
    named = re.sub(r"[^a-z0-9]+", "-", (q or "").casefold()).strip("-")[:40].strip("-") or (
        "search" if q else "selection")  # a question in Arabic, Japanese or Thai leaves no ASCII for the name
    written = FORMATS[format]
    return Response(render(format, items), media_type=written.media_type,
                    headers={"Content-Disposition": f'attachment; filename="cyberlex-{named}.{written.extension}"'})
