"""A lead file as rows of text cells, read as it streams: CSV in the encodings and separators Excel
writes, or the first sheet of an ``.xlsx`` workbook.

Nothing here holds more than one row (and, for CSV, one decoder buffer) at a time, so memory stays flat
as the file grows. Every problem with the file as a whole raises ``FileProblem`` with the line it
concerns.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import BinaryIO

from charset_normalizer import from_bytes

SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}
ENCODING_NAMES = {
    "utf_8": "UTF-8",
    "utf_8_sig": "UTF-8 with BOM",
    "utf_16": "UTF-16",
    "utf_16_le": "UTF-16",
    "utf_16_be": "UTF-16",
    "cp1252": "Windows-1252",
}
_SAMPLE = 256 * 1024  # bytes charset-normalizer looks at; the whole file is then checked as it streams
_CHUNK = 64 * 1024
XLSX_RATIO = 100
"""Largest uncompressed/compressed ratio accepted for a workbook member; real sheets stay far below."""
XLSX_EXPANDED_FACTOR = 10
"""A workbook may declare at most this many times the upload limit, uncompressed, in total."""


class FileProblem(ValueError):
    """The file cannot be read at all; nothing is imported."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True, slots=True)
class Sheet:
    """How the file was read, for the report; ``rows`` yields (first physical line, cells)."""

    kind: str  # "csv" or "xlsx"
    encoding: str | None  # as shown to the user, such as "Windows-1252"; None for a workbook
    separator: str | None  # "comma", "semicolon" or "tab"; None for a workbook
    size: int  # bytes, for progress
    rows: Iterator[tuple[int, list[str]]]
    position: list[int]  # bytes (CSV) or rows (xlsx) consumed so far, updated as rows are read


def _size(count: int) -> str:
    return f"{count / 1_048_576:.1f} MB ({count:,} bytes)"


def _file_size(stream: BinaryIO) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def open_sheet(stream: BinaryIO, *, max_bytes: int) -> Sheet:
    """Recognise the file (workbook or text, encoding, separator) and stream its rows."""
    size = _file_size(stream)
    if size > max_bytes:
        raise FileProblem(
            f"the file is {_size(size)}, larger than the limit of {_size(max_bytes)}; split it into smaller "
            "files and import them one by one"
        )
    head = stream.read(_SAMPLE)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return _workbook(stream, size, max_bytes)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            "this is an old Excel 97-2003 workbook (.xls); save it as .xlsx or CSV and import it"
        )
    codec = _encoding(stream, head)
    first = _first_line(codec, stream)
    separator = _separator(first)
    if not first.strip():
        raise FileProblem("the file is empty; it needs a header line and one line per lead")
    position = [0]
    return Sheet(
        kind="csv",
        encoding=ENCODING_NAMES.get(codec, codec),
        separator=SEPARATORS[separator],
        size=size,
        rows=_csv_rows(codec, separator, stream, position),
        position=position,
    )


def _encoding(stream: BinaryIO, head: bytes) -> str:
    """The codec: a BOM wins; else what charset-normalizer finds, checked over the whole file."""
    if head.startswith(codecs.BOM_UTF8):
        codec = "utf_8_sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf_16"  # Excel's "Unicode text" is UTF-16 with a BOM, tab-separated
    else:
        if not head.strip():
            raise FileProblem("the file is empty; it needs a header line and one line per lead")
        # Only the encodings spreadsheets write here are candidates, so a short German file is not
        # taken for, say, a Cyrillic code page.
        best = from_bytes(head, cp_isolation=["utf_8", "utf_16_le", "utf_16_be", "cp1252"]).best()
        codec = best.encoding if best is not None else "cp1252"
        if codec not in ENCODING_NAMES:
            codec = "cp1252"
    if codec in {"utf_8", "utf_8_sig"} and not _decodes(stream, codec):
        # The rule: Windows-1252 when the file is not valid UTF-8, even far past the sample.
        codec = "cp1252"
    if codec.startswith("utf_16") and not _decodes(stream, codec):
        raise FileProblem("the file looks like UTF-16 text but is not valid UTF-16; save it again from Excel")
    if b"\x00" in head and not codec.startswith("utf_16"):
        line = head[: head.index(b"\x00")].count(b"\n") + 1
        raise FileProblem("the file contains NUL bytes, so it is not a text CSV file; save it as CSV", line)
    return codec


def _decodes(stream: BinaryIO, codec: str) -> bool:
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    try:
        while chunk := stream.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)
    return True


def _text(codec: str, stream: BinaryIO) -> io.TextIOWrapper:
    # newline="" splits lines only at \r, \n and \r\n and keeps the line ends, as the csv module needs;
    # U+2028, NEL and the like stay inside their cell.
    return io.TextIOWrapper(stream, encoding=codec, errors="strict", newline="")


def _first_line(codec: str, stream: BinaryIO) -> str:
    text = _text(codec, stream)
    line = text.readline().rstrip("\r\n")
    text.detach()  # leave the caller's stream open
    stream.seek(0)
    return line.removeprefix("\ufeff")


def _separator(header: str) -> str:
    """Comma, semicolon (Excel in German) or tab (Excel's Unicode text): the one giving most header cells."""
    best, most = ",", 0
    for candidate in SEPARATORS:
        try:
            cells = next(csv.reader([header], delimiter=candidate))
        except (csv.Error, StopIteration):
            continue
        if len(cells) > most:
            best, most = candidate, len(cells)
    return best


def _csv_rows(
    codec: str, separator: str, stream: BinaryIO, position: list[int]
) -> Iterator[tuple[int, list[str]]]:
    text = _text(codec, stream)
    try:
        yield from _records(text, separator, stream, position)
    finally:
        if not stream.closed:
            text.detach()  # the stream belongs to the caller, who closes it


def _records(
    text: io.TextIOWrapper, separator: str, stream: BinaryIO, position: list[int]
) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(text, delimiter=separator, strict=True)
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise FileProblem(
                f"line {previous + 1} cannot be read as CSV: check its double quotes (a quoted value must "
                'end with a quote, and a quote inside a value is written as two quotes ""); a single value '
                "also cannot be longer than 131,072 characters",
                previous + 1,
            ) from None
        except UnicodeDecodeError:  # pragma: no cover - the whole file was decoded once already
            raise FileProblem(f"line {previous + 1} is not valid text", previous + 1) from None
        line, previous = previous + 1, reader.line_num
        position[0] = stream.tell()
        if line == 1 and cells:
            cells[0] = cells[0].removeprefix("\ufeff")
        if "\x00" in "".join(cells):
            raise FileProblem("the file contains NUL characters, so it is not a text CSV file", line)
        if any(cell.strip() for cell in cells):
            yield line, cells


# --- workbooks -------------------------------------------------------------------------------------------


def _workbook(stream: BinaryIO, size: int, max_bytes: int) -> Sheet:
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile:
        raise FileProblem("the file starts like an Excel workbook but is not a readable .xlsx") from None
    _refuse_bomb(archive, max_bytes)
    archive.close()
    stream.seek(0)
    # Imported here: openpyxl is needed only for workbooks and takes a moment to load.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, zipfile.BadZipFile, ValueError):
        raise FileProblem(
            "the file is not a readable Excel .xlsx workbook; save it again from Excel"
        ) from None
    sheet = book.worksheets[0]
    position = [0]
    return Sheet(
        kind="xlsx",
        encoding=None,
        separator=None,
        size=int(sheet.max_row or 0),
        rows=_sheet_rows(book, sheet, position),
        position=position,
    )


def _refuse_bomb(archive: zipfile.ZipFile, max_bytes: int) -> None:
    """Refuse by the declared sizes before anything is inflated. zipfile stops at the declared size of
    each member and checks its CRC, so a member cannot expand past what it declares."""
    total = 0
    limit = max_bytes * XLSX_EXPANDED_FACTOR
    for member in archive.infolist():
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > XLSX_RATIO and member.file_size > 1_048_576:
            raise FileProblem(
                f"the workbook member {member.filename!r} would expand {ratio:,.0f} times, to "
                f"{_size(member.file_size)}; this is not a normal Excel file and is not opened"
            )
    if total > limit:
        raise FileProblem(
            f"the workbook would expand to {_size(total)}, more than {_size(limit)}; split it into smaller "
            "files"
        )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores every number as a float: 250.0 is 250 employees
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _sheet_rows(book: object, sheet: object, position: list[int]) -> Iterator[tuple[int, list[str]]]:
    try:
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):  # type: ignore[attr-defined]
            position[0] = line
            cells = [_cell_text(value) for value in row]
            while cells and not cells[-1].strip():
                cells.pop()  # read-only sheets pad rows to the sheet's widest row
            if any(cell.strip() for cell in cells):
                yield line, cells
    finally:
        book.close()  # type: ignore[attr-defined]
