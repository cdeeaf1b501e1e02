"""Honest no-match: a search whose words the index does not hold and whose meaning lies far from every passage
returns nothing, with a notice, rather than the ten least-bad passages; a result found by meaning alone, and
only faintly, is flagged as weak.

The dense model always returns its nearest passages, whatever the query, so the judgement rests on the two legs
together: the lexical lists are empty when no query word is in the index, and a cosine below the model's floor
says that nothing is near.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from haystack import Document, component

NO_MATCH = "Nothing in the corpus matches this query: none of its words is in the indexed texts and no passage is close in meaning."
WEAK = "Some results match only loosely (marked weak): no query word occurs in them and their meaning is only near."


@component
class MatchJudge:
    """Flags each result as weak or not, and empties the results of an unfiltered search when none matches at all.

    ``floor``: the cosine under which a passage that shares no word with the query is not a match (MiniLM puts
    unrelated texts at 0.0–0.3; ``weak_below`` the cosine under which such a passage is flagged as weak."""

    def __init__(self, floor: float, weak_below: float):
        self.floor = floor
        self.weak_below = weak_below

    @component.output_types(documents=list[Document], via=list[str], weak=list[bool], notice=str)
    def run(
        self, lists: Mapping[str, list[Document]], documents: list[Document], via: list[str], where: dict[str, list[Any]]
    ) -> dict[str, Any]:
        # The lexical lists, and the multilingual one, run only when the question targets laws in another language.
        lexical_lists = [docs for key, docs in lists.items() if not key.endswith(":dense")]
        if not any(key.endswith((":sparse", ":hybrid")) for key in lists):  # dense only: no lexical evidence
            return {"documents": documents, "via": via, "weak": [False] * len(documents), "notice": ""}
        lexical = {d.id for docs in lexical_lists for d in docs}
        cosine = {d.id: d.score or 0.0 for key, docs in lists.items() if key.endswith(":dense") for d in docs}
        cited = [v == "citation" for v in via]
        # Within filters the user chose, nothing lexical may only mean another language: flag, don't withhold.
        if not where and not any(cited) and not lexical and max(cosine.values(), default=0.0) < self.floor:
            return {"documents": [], "via": [], "weak": [], "notice": NO_MATCH}
        weak = [not c and d.id not in lexical and cosine.get(d.id, 0.0) < self.weak_below
                for d, c in zip(documents, cited)]
        return {"documents": documents, "via": via, "weak": weak, "notice": WEAK if any(weak) else ""}
