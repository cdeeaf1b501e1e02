"""Deontic tags of a provision: what kind of rule it is (obligation, prohibition, ...) and whom it binds.

A rule-based reading, clause by clause, so that a search can filter on "what must member states do".

Decisions, so that the tags mean the same thing everywhere (and in ``evals/data/obligation_labels.jsonl``):

- **obligation**: a duty to act: "shall", "must", "is required/obliged to", "undertake(s) to", also in the
  passive ("the request shall specify", "shall be made in writing": a duty, possibly with no addressee).
  Not: "shall apply", "shall not affect", "shall be deemed", "shall be construed as", "shall mean/include",
  "shall enter into force" (scope, interpretation, definition or procedural clauses).
- **prohibition**: a duty to refrain: "shall not", "must not", "may not", "no person shall", "shall
  refrain from", "it is unlawful", "is prohibited"; and every offence-creating text ("commits an offence",
  "shall be guilty of an offence", "whoever ... shall be punished", "is liable on conviction"): an
  offence is a prohibition addressed to persons. "Each Party shall adopt measures to establish as criminal
  offences ..." is an obligation of states, not a prohibition. "Shall not be required/liable" is an
  exemption, not a prohibition.
- **permission**: a right, power or discretion: "may", "is entitled to", "has the right to", "shall have
  the power/authority to", "it shall not be unlawful for X to" (X is permitted: 18 U.S.C. § 2511(2)(d)). Not "as may be necessary", "may include", "which ... may" (a description).
- **definition**: a quoted term with "means"/"includes"/"refers to", "the term X means", a lead-in "for the
  purposes of this Act:", or a heading Definitions/Interpretation/Use of terms. Modal verbs inside a
  definition describe the defined thing and are not read as rules.
- **procedural**: final clauses: entry into force, signature, ratification, accession, reservations,
  declarations, denunciation, amendment of the instrument, depositary, short title, commencement, repeal,
  transposition, addressees.

The addressee is whoever the modal verb binds or empowers: the subject of an active modal, the agent of a
passive one ("shall be communicated by the Secretary General"; "the data shall be erased" has none).
Under "Member States shall ensure that essential entities take measures" the addressee is member-states
only: the entities are the object of the Member States' duty, not bound by the Directive itself.
Controllers and processors count as entities; a person empowered as an officer ("authorised officer")
as an authority. Recitals and preambles are not normative and get no tags. Japanese, Arabic and Thai
texts get the few markers listed below; their subject is the topic (Japanese 〜は), the first actor
named (Thai) or any actor in the sentence (Arabic, verb-first).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from cyberlex.corpus.model import Passage, Provision, ProvisionId

FORCES = ("obligation", "prohibition", "permission", "definition", "procedural")
ADDRESSEES = ("states", "member-states", "entities", "providers", "manufacturers", "persons", "authorities")
NON_NORMATIVE = ("recital", "preamble")


@dataclass(frozen=True)
class Tags:
    force: tuple[str, ...] = ()  # a subset of FORCES, in that order
    addressees: tuple[str, ...] = ()  # a subset of ADDRESSEES, in that order


# Who: (tag, pattern). Tried as one alternation, so at one position the earlier pattern wins
# ("governmental entity" is an authority, "member States of the Council of Europe" are states).
_WHO: tuple[tuple[str, str], ...] = (
    ("states", r"\b(?i:member\s+states\s+of\s+the\s+council\s+of\s+europe)\b"),
    ("authorities", r"\b(?i:government(?:al)?\s+entit(?:y|ies)|public\s+(?:authorit(?:y|ies)|bod(?:y|ies))"
                    r"|law\s+enforcement\s+(?:agenc(?:y|ies)|authorit(?:y|ies))|authori[sz]ed\s+(?:person|officer)s?"
                    r"|(?:person|officer)s?\s+authori[sz]ed\s+by\s+the"
                    r"|(?:supervisory|competent|national|relevant|judicial|designated)\s+(?:national\s+)?"
                    r"authorit(?:y|ies)"
                    r"|police(?:\s+officers?)?|courts?|tribunals?|judges?|agenc(?:y|ies)|depositary|authorit(?:y|ies)"
                    r"|single\s+points?\s+of\s+contact|lead\s+overseer|csirts?|enisa|esas?|eba|esma|eiopa|ecb)\b"),
    ("authorities", r"\b(?:Commission|Agency|Authority|Board|Committee|Council|Director(?:-General)?|Secretary"
                    r"(?:[- ]General)?|Secretariat|Attorney[- ]General|Minister|Commissioner|Government|President"
                    r"|General\s+Assembly|Secret\s+Service|Federal\s+Bureau\s+of\s+Investigation|Cooperation\s+Group"
                    r"|Oversight\s+Forum)\b"),
    ("member-states", r"\b[Mm]ember\s+States?\b"),
    ("states", r"\b(?:States?\s+)?Part(?:y|ies)\b"
               r"|(?<!third )(?<!third-)(?<!working )(?<!political )\b(?i:part(?:y|ies))\b"
               r"|\b(?i:high\s+contracting\s+parties"
               r"|(?:signatory|contracting|negotiating|requesting|requested)\s+states?)\b"
               r"|(?<!United )\bStates?\b|\b(?:All\s+)?Members\b"),
    ("providers", r"\b(?i:(?:person|entit(?:y|ies))\s+(?:or\s+entity\s+)?providing|providers?)\b"),
    ("manufacturers", r"\b(?i:manufacturers?|importers?|distributors?|authori[sz]ed\s+representatives?)\b"),
    ("entities", r"\b(?i:entit(?:y|ies)|operators?|controllers?|processors?|owners?\s+or\s+operators?|undertakings?"
                 r"|enterprises?|bod(?:y|ies)\s+corporate|credit\s+institutions?|management\s+bod(?:y|ies)"
                 r"|employers?)\b"),
    ("persons", r"\b(?i:whoever|every(?:one|\s+person)|no\s+one|anyone|persons?|human\s+beings?|individuals?"
                r"|data\s+subjects?|employees?|offenders?|subscribers?|users?|citizens?)\b"),
    # Japanese (topics: followed by は or も), Arabic, Thai
    ("persons", r"何人も|者|国民|كل\s+شخص|كل\s+من|ผู้ใด"),
    ("authorities", r"国|地方公共団体|公安委員会|大臣|行政機関の長|本部長?|(?:ال|لل)محكمة|هيئة|الجهات\s+الأمنية"
                    r"|พนักงานเจ้าหน้าที่|คณะกรรมการ|กกม\.|กบส\.|นายกรัฐมนตรี|รัฐมนตรี|เลขาธิการ|สำนักงาน"
                    r"|หน่วยงานของรัฐ"),
    ("entities", r"事業者|アクセス管理者|หน่วยงานโครงสร้างพื้นฐานสำคัญทางสารสนเทศ"),
)
_WHO_RE = re.compile("|".join(f"(?P<w{n}>{p})" for n, (_, p) in enumerate(_WHO)))
_WHO_TAG = {f"w{n}": who for n, (who, _) in enumerate(_WHO)}
# A name after a preposition is a complement, not the subject: "decisions of the Security Council".
_AFTER_PREPOSITION = re.compile(
    r"(?i)\b(?:of|to|from|with|without|within|by|for|against|on|upon|in|into|at|under|over|through|between|among"
    r"|than|via)\s+(?:(?:the|a|an|any|each|every|all|its|their|such|other|another|that|those|this|these"
    r"|more\s+than\s+one|one\s+or\s+more|relevant)\s+)*(?:[\w-]+\s+(?:or|and)\s+(?:(?:the|a|an|any|of)\s+)*)?$"
)

# Verbs after "shall"/"must" that make no rule for anyone (scope, interpretation, entry into force).
_NOT_RULES = (r"apply|affect|prejudice|prevent|preclude|impair|derogate|prevail|supersede|cease|mean|include|read|exist"
              r"|subject|be\s+(?:deemed|considered|regarded|treated|presumed|read|without\s+prejudice|binding|voluntary"
              r"|open\s+for\s+signature|(?:construed|interpreted|understood)\s+(?:as|so\s+as|to\s+mean))"
              r"|enter\s+into\s+force|come\s+into\s+(?:force|operation)|take\s+effect|become\s+effective|exceed"
              r"|be\s+known\s+as")
_EXEMPTIONS = r"be\s+(?:required|obliged|bound|liable|subject\s+to\s+any|held\s+liable|responsible\s+for\s+any)"
_ADVERB = r"(?:\s+(?:in\s+any\s+way|\w+ly))?"
# Modal expressions, one alternation tried in this order: the exclusions consume "shall apply" or "as may
# be necessary" before "shall"/"may" can match, "shall not" is tried before "shall", offences before both.
# The lookahead only lets the alternation be tried where one of its first letters starts a word (4x faster).
_MODAL = re.compile(
    r"(?:\b(?=[aAcCiIlLmMnNsStTuUwWhH])|(?=[\u0600-\u06ff\u0e00-\u0e7f\u3040-\u30ff\u4e00-\u9fff]))(?:"
    + "|".join((
        rf"(?P<none>\b(?:as|which|whom|whose)\s+(?:\S+\s+){{0,4}}?may\b"
        rf"|\b(?:that|there|what(?:ever)?)\s+(?:\S+\s+){{0,3}}?may\b|\bshall\s+have\s+(?:\w+(?:ed|en|ne|wn)|made)\b"
        rf"|\bmay\s+(?:include|be\s+(?:cited|necessary|needed|required|appropriate|applicable|the\s+case|possible"
        rf"|relevant))\b|\b(?:who|which|that)\s+(?:is|are)\s+"
        rf"(?:entitled|authori[sz]ed|permitted|required|obliged)\b|\b(?:shall|must){_ADVERB}\s+(?:not{_ADVERB}\s+)?"
        rf"(?:{_NOT_RULES})\b|\b(?:shall|must|may){_ADVERB}\s+not{_ADVERB}\s+(?:{_EXEMPTIONS})\b"
        rf"|\b(?i:no)\s+(?:\w+\s+){{1,3}}shall\s+(?:{_NOT_RULES}|{_EXEMPTIONS})\b)",
        r"(?P<offence>\bcommits\s+an\s+offen[cs]e\b|\b(?:acts?|conduct)\s+constitutes?\s+(?:the|an?)\s+offen[cs]e\b"
        r"|\b(?:who|which)\s+commit\s+an\s+offen[cs]e\b|\b(?:is|are|shall\s+be)\s+guilty\s+of\s+(?:an?\s+)?"
        r"(?:offen[cs]e|crime)|\bshall\s+be\s+(?:punished|punishable|fined|imprisoned|sentenced)\b"
        r"|\b(?:is|are|shall\s+be)\s+liable,?\s+(?:(?:on|upon)\s+(?:summary\s+)?conviction"
        r"|to\s+(?:a\s+fine|imprisonment))"
        r"|\bliable,?\s+(?:on|upon)\s+conviction|に処する|يعاقب|ต้องระวางโทษ|ต้องรับโทษ)",
        r"(?P<prohibition>\b(?:shall|must|may)\s+(?:not|never|no\s+longer)\b|\b(?:shall|must)\s+(?:be\s+)?neither\b"
        r"|\b(?i:no)\s+(?:\w+\s+){1,3}(?:shall|may)\b|\b(?:(?:is|are)\s+(?:obliged|required|bound)\s+to|shall|must)"
        r"\s+refrain\b|\bundertakes?\s+not\s+to\b|\b(?i:it)\s+(?:is|shall\s+be)\s+unlawful\b"
        r"|\bshall\s+be\s+prohibited\b|\b(?:is|are)\s+(?:hereby\s+|strictly\s+)?prohibited\b(?!\s+by)"
        r"|\b(?i:there)\s+shall\s+be\s+no\b|てはならない|ではならない|لا\s+يجوز|يحظر|ห้าม)",
        r"(?P<permission>\b(?i:it)\s+(?:shall\s+not\s+be|is\s+not)\s+unlawful\b"
        r"|\bshall(?:\s*,[^,.;]{0,120},)?\s+(?:have|enjoy)\s+(?:[\w-]+,?\s+){0,5}?(?:right|rights|power"
        r"|powers|authority|competence|jurisdiction)\b|\bmay\b(?!\s+\d)|\b(?:is|are)\s+(?:entitled|authori[sz]ed"
        r"|empowered|permitted)\s+to\b|\b(?:has|have)\s+(?:the\s+|an?\s+)?(?:\w+\s+)?(?:right|power|jurisdiction)\b"
        r"|\bshall\s+be\s+(?:entitled|authori[sz]ed|empowered|permitted|enabled|lawful|competent)\b"
        r"|ことができる|يجوز|للمحكمة(?:\s+\S+)?\s+أن|มีอำนาจ|อาจ)",
        r"(?P<obligation>\b(?:shall|must)\b|\b(?:is|are)\s+(?:required|obliged|bound)\s+to\b"
        r"|\bundertakes?\s+(?:\w+ly\s+)?to\b|\b(?:is|are)\s+under\s+(?:an?|the)\s+(?:obligation|duty)\b"
        r"|\b(?:has|have)\s+(?:the|an?)\s+(?:obligation|duty)\b|なければならない|ものとする|責務を有する"
        r"|يجب|يلتزم|تلتزم|تتولى|ต้อง|มีหน้าที่)",
    ))
    + ")"
)
# A passive modal binds its agent, not its subject ("data shall be erased"; "may be proposed by any Party").
_PASSIVE = re.compile(r"(?:\s*,[^,.;]{0,120},)?\s+(?:\w+ly\s+)?be\s+(?:\w+ly\s+)?"
                      r"(?!(?:entitled|authori[sz]ed|empowered|permitted|obliged|required|bound|able|responsible"
                      r"|subject|liable)\b)(?:\w+(?:ed|en|wn|ne)|made|held|kept|brought|sent|paid|put|set|laid|sought"
                      r"|dealt|met|found|shown|given|taken|done)\b")
_AGENT = re.compile(r"[^.;]{0,80}?\bby\s+(?:the\s+|any\s+|each\s+|a\s+|an\s+)?")
_NOTHING = re.compile(r"(?i)^\W*(?:\(?\w{1,4}[.)]\s*)?nothing\b")  # "Nothing in this Convention shall ..."
_LAWFUL = re.compile(r"(?i)unlawful$")  # "it is (not) unlawful for X to ...": X is bound (permitted)
_BENEFICIARY = re.compile(r"[^.;]{0,80}?\bfor\s+")
_SUBJECTLESS = re.compile(r"(?i)prohibited$|there\s+shall\s+be\s+no$")  # the subject is the act, the agent follows
_PARTICIPLE = re.compile(r"(?i)^(?:(?:and|or)\s+)?\w+ed\b")
# "Member States shall ensure that ...": the later modals of the sentence bind the Member States' object.
_EMBEDDING = re.compile(
    r"(?i)\b(?=[eoprs])(?:(?:ensure|provide|require|oblige|stipulate)s?\b[^.;]*?\bthat\b|provide\s+for\b)"
)
_ASIDE = re.compile(r"(?i)^(?:\(?\w{1,4}[.)]\s*)?(?:after|before|in|within|without|where|when|whenever|if|unless"
                    r"|subject|pursuant|having|taking|upon|on|at|for|by|with|as|under|notwithstanding|acting|including"
                    r"|appointed|established|designated|classified|referred|except|save|following|once|while|point"
                    r"|points|paragraph|subparagraph|article|section|first|second|third|fourth|fifth)\b"
                    r"|^(?:\S+\s+){0,3}?(?:of\s+)?(?:which|whom|whose|who)\b")
_PRONOUN = re.compile(r"(?i)^(?:it|they|he|she|he\s+or\s+she)$")
_SENTENCE = re.compile(r"\n|(?<=[a-z0-9)\]”’\"'][.;:!?])\s+(?=[^\sa-z])|(?<=[。؛])")
_Finder = Callable[[str, str, re.Match[str]], set[str]]  # (sentence, text before the modal, modal) -> addressees
_JA_ASIDE = re.compile(r"（[^（）]*）")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")

_DEFINITION_HEADING = re.compile(
    r"(?i)^\s*(?:interpretation|use\s+of\s+terms|terms\s+used|meaning\s+of)\b|\bdefinitions?\b|定義"
)
_QUOTED = r"(?:``|[“\"‘'«])[^”\"’'»\n]{1,80}(?:''|[”\"’'»])"
_DEFINITION = re.compile(  # the lookahead is a fast filter on the possible first characters
    rf"(?=[`“\"‘'«tTfF「หي])(?:{_QUOTED}[^.;:\n]{{0,60}}?\b(?:means?|shall\s+mean|includes?|has\s+the\s+(?:same\s+)?"
    rf"meaning|refers?\s+to)\b|(?i:\bthe\s+terms?\s+{_QUOTED}\s)|(?i:\bfor\s+(?:the\s+)?purposes?\s+of\s+th(?:is"
    rf"|e\s+present)\s+\w+(?:,\s*the\s+following\s+definitions\s+(?:shall\s+)?apply)?\s*(?::|—|–|\s-\s))"
    rf"|「[^」]{{1,40}}」とは|หมายความว่า|หมายความรวมถึง|يقصد\s+ب)"
)
_PROCEDURAL_HEADING = re.compile(
    r"(?i)^\s*(?:short\s+title|commencement|(?:signature\s+and\s+)?entry\s+into\s+force|signature|ratification"
    r"|accession|denunciation|depositary|authentic\s+texts?|repeal|transposition|addressees|territorial\s+application"
    r"|final\s+clauses)\b|(?i:^\s*(?:amendments?|declarations?|notifications?|reservations?|withdrawal)\s*$)|施行期日"
)
_PROCEDURAL = re.compile(
    r"\b(?=[sSwWoOiItTmMaAdD])(?i:\b(?:shall|will)\s+(?:enter|come)\s+into\s+(?:force|operation|effect)\b"
    r"|\bshall\s+take\s+effect\b|\bshall\s+be\s+known\s+as\b|\bopen\s+for\s+signature\b|\binstruments?\s+of\s+"
    r"(?:ratification|acceptance|approval|accession)\b|\bth(?:is|e\s+present)\s+\w+\s+(?:is|shall\s+be)\s+subject\s+to"
    r"\s+ratification\b|\bshall\s+be\s+ratified\b|\bdenounce\s+th(?:is|e\s+present)\b|\bmay\s+be\s+cited\s+as\b"
    r"|\b(?:is|are)\s+(?:hereby\s+)?repealed\b|\bshall\s+be\s+binding\s+in\s+its\s+entirety\b|\bis\s+addressed\s+to"
    r"\s+the\s+member\s+states\b|\bamendments?\s+to\s+th(?:is|e\s+present)\s+(?:convention|charter|protocol|treaty"
    r"|agreement)\b)|から施行する|พระราชบัญญัตินี้เรียกว่า|ให้ใช้บังคับตั้งแต่|ويعمل\s+به"
)


def tag(text: str, heading: str = "", unit_kind: str = "") -> Tags:
    """Force and addressees of one text (a provision, a paragraph or a passage)."""
    if unit_kind in NON_NORMATIVE:
        return Tags()
    force: set[str] = set()
    who: set[str] = set()
    defines = bool(_DEFINITION_HEADING.search(heading))
    if defines or _DEFINITION.search(text):
        force.add("definition")
    if _PROCEDURAL_HEADING.search(heading) or _PROCEDURAL.search(text):
        force.add("procedural")
    if not defines:  # modal verbs inside definitions describe the defined thing
        japanese = bool(_JAPANESE.search(text))
        subject = _subject_finder(text)
        for sentence in _SENTENCE.split(_JA_ASIDE.sub("", text) if japanese else text):
            if sentence.strip() and not _DEFINITION.search(sentence) and not _NOTHING.search(sentence):
                _read_sentence(sentence, subject, force, who)
    return Tags(tuple(f for f in FORCES if f in force), tuple(a for a in ADDRESSEES if a in who))


def sentences(text: str) -> list[str]:
    """The sentences (and clauses ended by a semicolon or colon) the tagger reads one by one."""
    return [s for s in _SENTENCE.split(text) if s.strip()]


def tag_provision(provision: Provision) -> Tags:
    """Tags of a whole provision: the union over its blocks, read with its heading (offences spread over points)."""
    return tag(provision.text, provision.heading, ProvisionId(provision.instrument_id, provision.unit).kind)


def tag_passage(passage: Passage) -> Tags:
    """Tags of one passage (a provision or a slice of one), read with its provision's heading and unit kind."""
    return tag(passage.text, passage.heading,
               passage.metadata.get("unit_kind") or ProvisionId.parse(passage.unit_id).kind)


def _read_sentence(sentence: str, subject: _Finder, force: set[str], who: set[str]) -> None:
    embedded = seen = False
    previous_end = 0
    for m in _MODAL.finditer(sentence):
        kind = m.lastgroup or "none"
        window = sentence[previous_end:m.start()]
        previous_end = m.end()
        if kind == "none":
            continue
        force.add("prohibition" if kind == "offence" else kind)
        embedded = embedded or (seen and bool(_EMBEDDING.search(window)))
        coordinated = seen and _coordinated(window)
        seen = True
        if embedded:
            continue
        passive = _PASSIVE.match(sentence, m.end())
        if passive or _SUBJECTLESS.search(m.group()):
            found = _agent(sentence, passive.end() if passive else m.end())
        elif _LAWFUL.search(m.group()):
            found = _beneficiary(sentence, m.end())
        else:
            lead = m.group() if m.group()[:3].lower() == "no " else ""  # "No person shall": the subject is in the match
            found = set() if coordinated else subject(sentence, window + lead, m)
        who |= found or ({"persons"} if kind == "offence" else set())


def _subject_finder(text: str) -> _Finder:
    """How the actor of a modal is found, by script: English subject, Japanese topic, Thai or Arabic actor."""
    if _JAPANESE.search(text):
        return lambda sentence, window, m: _names(sentence, topic_only=True)
    if _ARABIC.search(text):
        return _arabic_subject
    if _THAI.search(text):
        return _thai_subject
    return lambda sentence, window, m: _english_subject(window)


def _arabic_subject(sentence: str, window: str, m: re.Match[str]) -> set[str]:
    """Arabic is verb-first ("يعاقب ... كل شخص"), unless the actor is part of the modal ("للمحكمة ... أن")."""
    return _names(window + m.group()) or _names(sentence[m.end():], first=True)


def _thai_subject(sentence: str, window: str, m: re.Match[str]) -> set[str]:
    """Thai names the actor first in its clause (clauses are separated by spaces), or after ห้ามมิให้."""
    clause = window.split(" ")[-1]
    return _names(clause, first=True) or _names(window, first=True) or _names(sentence[m.end():m.end() + 60], first=True)


def _names(text: str, first: bool = False, topic_only: bool = False) -> set[str]:
    found = set()
    for m in _WHO_RE.finditer(text):
        if topic_only and not (m.group().endswith("も") or text[m.end():m.end() + 1] == "は"):
            continue
        if not topic_only and _AFTER_PREPOSITION.search(text, max(0, m.start() - 120), m.start()):
            continue
        found.add(_WHO_TAG[m.lastgroup or ""])
        if first:
            break
    return found


def _english_subject(window: str) -> set[str]:
    """Addressees named by the subject before a modal: the last comma segment that is not an aside."""
    after_pronoun = False
    segments = window.split(",")
    for n in range(len(segments) - 1, -1, -1):
        words = segments[n].strip()
        if not words:
            continue
        if _PRONOUN.match(words):
            after_pronoun = True
            continue
        found = _names(words, first=after_pronoun)  # "Where the authority learns ..., it shall": the clause subject
        aside = _ASIDE.match(words) or (n > 0 and _PARTICIPLE.match(words))
        if found or not (after_pronoun or aside):
            return found
    return set()


def _coordinated(window: str) -> bool:
    """"... shall notify X and shall inform Y": the second modal shares the subject of the first."""
    tail = window.rstrip()
    return tail.endswith(",") or tail.rsplit(None, 1)[-1:] in (["and"], ["or"], ["but"])


def _beneficiary(sentence: str, at: int) -> set[str]:
    """Whom "it is unlawful for ... to" binds, or "it shall not be unlawful for ... to" permits: the first actor
    named after "for"."""
    found = _BENEFICIARY.match(sentence, at)
    return _names(sentence[found.end():found.end() + 120], first=True) if found else set()


def _agent(sentence: str, at: int) -> set[str]:
    by = _AGENT.match(sentence, at)
    who = _WHO_RE.match(sentence, by.end()) if by else None
    return {_WHO_TAG[who.lastgroup or ""]} if who else set()
