"""From a file's bytes to text: gzip unzipped within a bound, the encoding checked.

A named encoding (--encoding) must be a text encoding that fits the bytes, else
the line of the first bad byte is reported; without one, UTF-8 (with or without
BOM), UTF-16 (with BOM), Windows-1252 and Latin-1 are tried in that order.
"""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from pathlib import Path

from django.utils.translation import gettext as _

from lms.importers.errors import file_error

# A gzipped file is unzipped up to this size (a log of about a million rows).
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024


def gunzip(path: Path, data: bytes) -> bytes:
    """The unzipped bytes; refused past MAX_UNZIPPED_BYTES, so a bomb stops there."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            data = stream.read(MAX_UNZIPPED_BYTES + 1)
    except (OSError, EOFError, zlib.error):
        raise file_error(path, _("the file is a damaged gzip archive.")) from None
    if len(data) > MAX_UNZIPPED_BYTES:
        raise file_error(
            path,
            _(
                "the gzip archive holds more than %(limit)d MB; an import reads "
                "at most that much. Split the file, or import it unzipped."
            )
            % {"limit": MAX_UNZIPPED_BYTES // 2**20},
        )
    return data


def text_decode(path: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    """(text, encoding used); a named encoding must fit, else the line is reported."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except (LookupError, ValueError):
            raise file_error(
                path, _("unknown encoding %(encoding)r.") % {"encoding": encoding}
            ) from None
        try:
            text = data.decode(encoding)
        except LookupError:
            # rot13, base64, zlib_codec...: codecs, but from bytes to bytes or str to str.
            raise file_error(
                path,
                _(
                    "%(encoding)r is not a text encoding; name one such as utf-8, "
                    "cp1252 or latin-1."
                )
                % {"encoding": encoding},
            ) from None
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            if b"\n" not in data[: error.start]:
                line = data[: error.start].count(b"\r") + 1
            raise file_error(
                path,
                _(
                    "the bytes %(bytes)r are not valid %(encoding)s text; try --encoding latin-1."
                )
                % {"bytes": data[error.start : error.end], "encoding": encoding},
                line=line,
            ) from None
        except UnicodeError as error:  # punycode, undefined: no position to give
            raise file_error(
                path,
                _("the file is not %(encoding)s text (%(error)s).")
                % {"encoding": encoding, "error": error},
            ) from None
        return text.lstrip("\ufeff"), encoding
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"
