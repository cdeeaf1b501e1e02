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
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag
from bs4.dammit import EncodingDetector
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from cyberlex.corpus.errors import ConversionError
from cyberlex.ingest import normalize as n

FORMATS = ("markdown", "text", "html", "pdf")
SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html", ".htm": "html", ".pdf": "pdf"}

_COMMON = (
    n.normalize_line_endings,
    n.remove_soft_hyphens,
    n.to_nfc,
    n.fold_fullwidth_digits,
    n.expand_ligatures,
    n.replace_nonbreaking,
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


def convert(path: Path, fmt: str | None = None) -> Converted:
    """Read ``path`` as ``fmt`` (None: from its suffix); any failure is a ``ConversionError`` with the reason."""
    path = Path(path)
    kind = format_of(path, fmt)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConversionError(str(path), f"cannot read file: {e.strerror or e}") from e
    if not data.strip():
        raise ConversionError(str(path), "empty file")
    if kind == "pdf":
        return _pdf(path, data)
    if kind == "html":
        declared = EncodingDetector.find_declared_encoding(data, is_html=True)
        text = n.apply(_html_text(_decode(path, data, declared)), _COMMON)
    else:
        text = n.apply(_decode(path, data).replace(n.PAGE_BREAK, "\n"), _EXTRACTED if kind == "text" else _COMMON)
    if not text.strip():
        raise ConversionError(str(path), "no text content")
    return Converted(text)


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _decode(path: Path, data: bytes, declared: str | None = None) -> str:
    """Bytes → str that never fails on bytes; refuses binary content (over 1% control characters)."""
    text = _decode_bytes(data, declared)
    if len(_CONTROL.findall(text)) > max(1, len(text) // 100):
        raise ConversionError(str(path), "binary content, not text")
    return text


def _decode_bytes(data: bytes, declared: str | None) -> str:
    """A BOM, else UTF-8, else the charset the file declares, else cp1252, else latin-1 (which takes any bytes).

    UTF-8 goes before the declared charset because pages labelled windows-1252 are often UTF-8,
    while text in another encoding almost never decodes as UTF-8 by accident.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    for encoding in filter(None, ("utf-8", declared, "cp1252")):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")


def _pdf(path: Path, data: bytes) -> Converted:
    pages = _pdf_pages(path, data)
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


def _pdf_pages(path: Path, data: bytes) -> list[str]:
    """Plain-mode text of each page.

    Layout mode was tried on all three corpus PDFs with pypdf 7: it runs words together in the
    Malabo Convention ("AddisAbaba") and pads lines with columns of spaces, while plain mode gives
    "Article 1".."Article 38" as words at line starts; residual letter spacing is repaired later by
    ``normalize.repair_letter_spacing``.
    """
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ConversionError(str(path), "encrypted PDF")
        return [page.extract_text(extraction_mode="plain") for page in reader.pages]
    except ConversionError:
        raise
    except (FileNotDecryptedError, DependencyError) as e:
        raise ConversionError(str(path), f"encrypted PDF ({e})") from e
    except Exception as e:  # pypdf raises many types on malformed input (PdfReadError, KeyError, ValueError, ...)
        raise ConversionError(str(path), f"corrupt PDF: {type(e).__name__}: {e}") from e


_DROPPED = {"script", "style", "noscript", "template", "nav", "head", "iframe", "object", "svg", "button", "select"}
_BLOCKS = {
    "address", "article", "aside", "blockquote", "caption", "center", "dd", "details", "dialog", "dir", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "menu", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "ul",
}
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


def _html_text(html: str) -> str:
    """One line per block element; a table row is one line ("(a)" cell + point text, as EUR-Lex lays out points)."""
    body = BeautifulSoup(html, "lxml")
    return "\n".join(line.strip() for line in _inline(body).split("\n") if line.strip())


def _inline(node: Tag) -> str:
    parts = []
    for child in node.children:
        if isinstance(child, _NOT_TEXT):
            continue
        if isinstance(child, NavigableString):
            parts.append(_HTML_SPACE.sub(" ", str(child)))
        elif not isinstance(child, Tag) or child.name in _DROPPED:
            continue
        elif child.name == "br":
            parts.append("\n")
        elif child.name == "tr":
            parts.append(f"\n{_row(child)}\n")
        elif child.name in _BLOCKS:
            parts.append(f"\n{_inline(child)}\n")
        else:
            parts.append(_inline(child))
    return "".join(parts)


def _row(tr: Tag) -> str:
    """Cells side by side: a cell's first line continues the previous cell's last line."""
    lines: list[str] = []
    for cell in tr.find_all(["td", "th"], recursive=False):
        cell_lines = [line.strip() for line in _inline(cell).split("\n") if line.strip()]
        if lines and cell_lines:
            lines[-1] += " " + cell_lines.pop(0)
        lines.extend(cell_lines)
    return "\n".join(lines)
