"""File → normalised text (+ where each PDF page starts): what the segmenter reads.

Haystack's converters are not used, after reading their 3.4.1 source: each one logs a warning and
skips a file it cannot read, so a corrupt or encrypted PDF could not be reported as such;
``PyPDFToDocument`` returns one string per file, too late to drop running headers page by page;
``HTMLToDocument`` needs trafilatura (not installed) and keeps "main content" rather than every line;
``MarkdownToDocument`` renders to plain text and loses the ``#`` heading markers the segmenter uses;
``TextFileToDocument`` decodes with one fixed encoding. So pypdf and BeautifulSoup(lxml) are called
directly here, and every failure becomes a ``ConversionError`` naming the file and the reason.
"""

from __future__ import annotations

import io
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, PageElement, ProcessingInstruction, Tag
from bs4.dammit import EncodingDetector
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from cyberlex.corpus.errors import ConversionError
from cyberlex.ingest import normalize as n

FORMATS = ("markdown", "text", "html", "pdf")
SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html", ".htm": "html", ".pdf": "pdf"}
MB = 1_000_000

_COMMON = (
    n.normalize_line_endings,
    n.remove_soft_hyphens,
    n.to_nfc,
    n.fold_fullwidth_digits,
    n.expand_ligatures,
    n.replace_nonbreaking,
    n.strip_consolidation_markers,
    n.space_paragraph_numbers,
    n.collapse_spaces,
)
_EXTRACTED = _COMMON + (n.repair_letter_spacing,)  # text that came out of a PDF at some point
_PDF = _EXTRACTED + (n.join_hyphenated_words,)


@dataclass(frozen=True)
class Converted:
    """``pages[i]`` is the offset in ``text`` where PDF page i+1 starts (always a line start); empty for non-PDF."""

    text: str
    pages: tuple[int, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """1-based page holding ``offset``; None when the source had no pages."""
        return bisect_right(self.pages, offset) if self.pages else None


@dataclass(frozen=True)
class Budget:
    """What one file may cost to read, checked while it is read: a few kilobytes of PDF can list tens of thousands
    of pages, and extracting them all would hold a core and gigabytes for minutes. None: no limit."""

    mb: float | None = None  # bytes of the file, before it is read
    pages: int | None = None  # pages of a PDF, before any is extracted
    chars: int | None = None  # characters of text, counted as pages are extracted

    @classmethod
    def of(cls, settings: object) -> Budget:
        """The limits of the settings (``max_file_mb``, ``max_pages``, ``max_chars``)."""
        return cls(settings.max_file_mb, settings.max_pages, settings.max_chars)  # type: ignore[attr-defined]

    def check_size(self, path: Path) -> None:
        if self.mb is None:
            return
        try:
            size = path.stat().st_size
        except OSError:
            return  # reading names the file as unreadable
        if size > self.mb * MB:
            raise ConversionError(
                str(path), f"file too large: {size / MB:.3g} MB, over the {self.mb:g} MB limit (CYBERLEX_MAX_FILE_MB)"
            )

    def check_chars(self, path: Path, chars: int) -> None:
        if self.chars is not None and chars > self.chars:
            raise ConversionError(
                str(path), f"too much text: over {self.chars:,} characters, the limit (CYBERLEX_MAX_CHARS)"
            )


def format_of(path: Path, fmt: str | None = None) -> str:
    if fmt is not None:
        if fmt not in FORMATS:
            raise ConversionError(str(path), f"unknown format {fmt!r}; valid formats: {', '.join(FORMATS)}")
        return fmt
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        valid = f"{', '.join(SUFFIXES)} ({', '.join(FORMATS)})"
        raise ConversionError(str(path), f"unsupported file type {suffix or '(no suffix)'!r}; valid: {valid}")
    return SUFFIXES[suffix]


def convert(path: Path, fmt: str | None = None, budget: Budget = Budget()) -> Converted:
    """Read ``path`` as ``fmt`` (None: from its suffix) within ``budget``; any failure is a ``ConversionError`` with
    the reason."""
    path = Path(path)
    kind = format_of(path, fmt)
    budget.check_size(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConversionError(str(path), f"cannot read file: {e.strerror or e}") from e
    if not data.strip():
        raise ConversionError(str(path), "empty file")
    if kind == "pdf":
        return _pdf(path, data, budget)
    if kind == "html":
        declared = EncodingDetector.find_declared_encoding(data, is_html=True)
        text = n.apply(_html_text(_decode(path, data, declared)), _COMMON)
    else:
        text = n.apply(_decode(path, data).replace(n.PAGE_BREAK, "\n"), _EXTRACTED if kind == "text" else _COMMON)
    if not text.strip():
        raise ConversionError(str(path), "no text content")
    budget.check_chars(path, len(text))
    return Converted(text)


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # C0 and C1 controls, less tab and line breaks
_GUESSED = ("cp1252", "latin-1")  # the last resorts, which decode any bytes
_SAMPLE = 4096  # bytes looked at to tell UTF-16 without a BOM


def _decode(path: Path, data: bytes, declared: str | None = None) -> str:
    """Bytes → str that never fails on bytes; refuses binary content (over 1% control characters), and bytes that
    only a last-resort Western encoding takes but that are mostly not ASCII (random high bytes, or a text in an
    encoding we cannot guess): European text in cp1252 or latin-1 is mostly ASCII."""
    text, encoding = _decode_bytes(data, declared)
    if len(_CONTROL.findall(text)) > max(1, len(text) // 100):
        raise ConversionError(str(path), "binary content, not text")
    if encoding in _GUESSED and sum(c.isascii() for c in text) < len(text) / 2:
        raise ConversionError(str(path), "binary content, not text (not UTF-8, UTF-16 or a Western encoding; "
                                         "save it as UTF-8)")
    return text


def _decode_bytes(data: bytes, declared: str | None) -> tuple[str, str]:
    """(text, encoding): a BOM, else UTF-16 told by its zero bytes, else UTF-8, else the charset the file declares,
    else cp1252, else latin-1 (which takes any bytes).

    UTF-8 goes before the declared charset because pages labelled windows-1252 are often UTF-8,
    while text in another encoding almost never decodes as UTF-8 by accident.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace"), utf16
    for encoding in filter(None, ("utf-8", declared, "cp1252")):
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1"), "latin-1"


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 of mostly Latin text has a zero byte in every other position, and almost none in the others."""
    sample = data[: _SAMPLE - _SAMPLE % 2]
    if len(sample) < 2:
        return None
    half = len(sample) // 2
    even, odd = sample[0::2].count(0) / half, sample[1::2].count(0) / half
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def _pdf(path: Path, data: bytes, budget: Budget) -> Converted:
    pages = _pdf_pages(path, data, budget)
    if not any(page.strip() for page in pages):
        raise ConversionError(str(path), "no text layer (scanned PDF?)")
    pages = n.strip_running_lines([page.replace(n.PAGE_BREAK, "\n") for page in pages])
    cleaned = n.apply(f"\n{n.PAGE_BREAK}\n".join(pages), _PDF).split(f"\n{n.PAGE_BREAK}\n")
    parts = [page.strip("\n") for page in cleaned]
    starts, offset = [], 0
    for part in parts:
        starts.append(offset)
        offset += len(part) + 1
    return Converted("\n".join(parts), tuple(starts))


def _pdf_pages(path: Path, data: bytes, budget: Budget) -> list[str]:
    """Plain-mode text of each page, within the budget: pages are counted, and repeated ones refused, before any
    is extracted, and characters are counted page by page.

    Layout mode was tried on all three corpus PDFs with pypdf 7: it runs words together in the
    Malabo Convention ("AddisAbaba") and pads lines with columns of spaces, while plain mode gives
    "Article 1".."Article 38" as words at line starts; residual letter spacing is repaired later by
    ``normalize.repair_letter_spacing``.
    """
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ConversionError(str(path), "encrypted PDF")
        _check_page_tree(path, reader, budget)
        texts, chars = [], 0
        for page in reader.pages:
            texts.append(page.extract_text(extraction_mode="plain"))
            chars += len(texts[-1])
            budget.check_chars(path, chars)
        return texts
    except ConversionError:
        raise
    except (FileNotDecryptedError, DependencyError) as e:
        raise ConversionError(str(path), f"encrypted PDF ({e})") from e
    except Exception as e:  # pypdf raises many types on malformed input (PdfReadError, KeyError, ValueError, ...)
        raise ConversionError(str(path), f"corrupt PDF: {type(e).__name__}: {e}") from e


def _check_page_tree(path: Path, reader: PdfReader, budget: Budget) -> None:
    """A page tree is a tree: one page listed twice (a node's kids naming one subtree twice, level after level)
    multiplies a few pages into thousands, which no real document does."""
    count = len(reader.pages)
    if budget.pages is not None and count > budget.pages:
        raise ConversionError(str(path), f"{count:,} pages, over the limit of {budget.pages:,} (CYBERLEX_MAX_PAGES)")
    refs = [page.indirect_reference for page in reader.pages]
    distinct = len({(ref.idnum, ref.generation) if ref else n for n, ref in enumerate(refs)})
    if distinct < count:
        raise ConversionError(str(path), f"malformed PDF: its page tree lists {distinct:,} pages {count:,} times")


_DROPPED = {"script", "style", "noscript", "template", "nav", "head", "iframe", "object", "svg", "button", "select"}
_BLOCKS = {
    "address", "article", "aside", "blockquote", "caption", "center", "dd", "details", "dialog", "dir", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "menu", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "ul",
}
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
# A DOCTYPE with an internal subset ("<!DOCTYPE html [ <!ENTITY ...> ]>"): the HTML parser ends it at the first
# ">", and the rest ("]>") would become text.
_DOCTYPE = re.compile(r"<!DOCTYPE\b[^\[>]*(?:\[.*?\]\s*)?>", re.IGNORECASE | re.DOTALL)


def _html_text(html: str) -> str:
    """One line per block element; a table row is one line ("(a)" cell + point text, as EUR-Lex lays out points)."""
    body = BeautifulSoup(_DOCTYPE.sub("", html, count=1), "lxml")
    return "\n".join(line.strip() for line in _inline(body).split("\n") if line.strip())


@dataclass
class _Element:
    """An element being read: its children still to read, the texts read so far, and how they end up joined."""

    children: Iterator[PageElement]
    finish: Callable[[list[str]], str] = "".join
    cells: bool = False  # a table row: each child is a cell, read on its own
    parts: list[str] = field(default_factory=list)


def _inline(node: Tag) -> str:
    """The text of ``node``, read with a stack of its open elements rather than by recursion: a page nested
    thousands of elements deep would exhaust Python's stack."""
    open_ = [_Element(iter(node.children))]
    while True:
        element = open_[-1]
        child = next(element.children, None)
        if child is None:
            text = element.finish(element.parts)
            open_.pop()
            if not open_:
                return text
            open_[-1].parts.append(text)
        elif element.cells:
            open_.append(_Element(iter(child.children)))
        elif isinstance(child, _NOT_TEXT):
            continue
        elif isinstance(child, NavigableString):
            element.parts.append(_HTML_SPACE.sub(" ", str(child)))
        elif not isinstance(child, Tag) or child.name in _DROPPED:
            continue
        elif child.name == "br":
            element.parts.append("\n")
        elif child.name == "tr":
            cells = (c for c in child.children if isinstance(c, Tag) and c.name in ("td", "th"))
            open_.append(_Element(cells, _row, cells=True))
        elif child.name in _BLOCKS:
            open_.append(_Element(iter(child.children), _block))
        else:
            open_.append(_Element(iter(child.children)))


def _block(parts: list[str]) -> str:
    return f"\n{''.join(parts)}\n"


def _row(cells: list[str]) -> str:
    """Cells side by side: a cell's first line continues the previous cell's last line."""
    lines: list[str] = []
    for cell in cells:
        cell_lines = [line.strip() for line in cell.split("\n") if line.strip()]
        if lines and cell_lines:
            lines[-1] += " " + cell_lines.pop(0)
        lines.extend(cell_lines)
    return f"\n{chr(10).join(lines)}\n"
