"""Read uploaded zips with their expansion bounded by the size of the upload.

A zip can declare, and deflate can produce, about a thousand bytes per byte
uploaded, and a zip inside a zip multiplies that again: a 2 KB model export once
made a worker hold 1.1 GB. So every byte that any level of an upload expands to is
paid from one `ExpansionBudget` sized from the upload, checked twice: against the
sizes the zip's directory declares (before anything is decompressed) and while
members are streamed in chunks (a running cap, whatever the headers say). Members
that are zips themselves (a trained model's zip, numpy's npz inside it) are opened
and paid for the same way, to a fixed depth; deeper nesting is refused.
"""

from __future__ import annotations

import io
import lzma
import struct
import zipfile
import zlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: Bytes an upload may expand to per byte uploaded, over all levels. A real export
#: of a model trained on near-constant indicators expands 300 times (measured: 7.6
#: KB to 2.3 MB), so this leaves room; deflate's own limit is about 1,030.
EXPANSION_RATIO = 500
#: Every upload may expand to this much, however small: small models compress well.
MIN_EXPANSION_BYTES = 32 * 1024 * 1024
#: Never more than this, whatever was uploaded.
MAX_EXPANSION_BYTES = 200 * 1024 * 1024
#: Members per zip: an export has a handful; each costs memory before any check.
MAX_MEMBERS = 1000
#: Export zip > trained model zip > numpy npz; a zip deeper than that is refused.
MAX_DEPTH = 3
CHUNK_BYTES = 64 * 1024
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
SUPPORTED_METHODS = {
    zipfile.ZIP_STORED,
    zipfile.ZIP_DEFLATED,
    zipfile.ZIP_BZIP2,
    zipfile.ZIP_LZMA,
}
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


def _too_large() -> ValidationError:
    return ValidationError(
        _(
            "The zip unpacks to far more than its own size (a zip bomb, or a model "
            "too large to import). Nothing was imported; export the model again."
        ),
        code="too_large",
    )


@dataclass
class ExpansionBudget:
    """Bytes still allowed to come out of an upload, over all nesting levels."""

    remaining: int

    def check(self, size: int) -> None:
        """Refuse if `size` more bytes would go over (nothing is spent)."""
        if size > self.remaining:
            raise _too_large()

    def spend(self, size: int) -> None:
        self.check(size)
        self.remaining -= size


def expansion_budget(*, upload_bytes: int) -> ExpansionBudget:
    """The budget of an upload of `upload_bytes` (see the module's constants)."""
    allowed = max(MIN_EXPANSION_BYTES, EXPANSION_RATIO * upload_bytes)
    return ExpansionBudget(remaining=min(MAX_EXPANSION_BYTES, allowed))


def _declared_member_count(data: bytes) -> int | None:
    """Entries in the end-of-central-directory record, read before zipfile parses
    the directory (which builds an object per entry); None when there is none."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at == -1 or len(data) - at < 22:
        return None
    return struct.unpack_from("<H", data, at + 10)[0]


def zip_open(
    data: bytes,
    *,
    budget: ExpansionBudget,
    label: str,
    not_zip_message: str | None = None,
) -> zipfile.ZipFile:
    """Open `data` as a zip after checking entry count, names, methods and the
    declared sizes against `budget`; `label` names the zip in messages."""
    count = _declared_member_count(data)
    if count is not None and count > MAX_MEMBERS:
        raise _too_many(label)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, NotImplementedError):
        raise ValidationError(
            not_zip_message
            or _("%(label)s is not a valid zip file.") % {"label": label},
            code="not_zip",
        ) from None
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        archive.close()
        raise _too_many(label)
    try:
        for info in infos:
            _check_member(info, label=label)
        budget.check(sum(info.file_size for info in infos))
    except ValidationError:
        archive.close()
        raise
    return archive


def _too_many(label: str) -> ValidationError:
    return ValidationError(
        _("There are more than %(count)d files in %(label)s: it is not a model export.")
        % {"label": label, "count": MAX_MEMBERS},
        code="too_many",
    )


def _check_member(info: zipfile.ZipInfo, *, label: str) -> None:
    name = info.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        raise ValidationError(
            _("The zip holds a path outside its folder: %(name)s.")
            % {"name": _shorten(name)},
            code="unsafe_path",
        )
    if info.flag_bits & 0x1:
        raise ValidationError(
            _(
                "%(name)s in %(label)s is encrypted. Export the model again "
                "without a password."
            )
            % {"name": _shorten(name), "label": label},
            code="encrypted",
        )
    if info.compress_type not in SUPPORTED_METHODS:
        raise ValidationError(
            _(
                "%(name)s in %(label)s uses a compression method this site cannot "
                "read. Zip it again with the standard (deflate) method."
            )
            % {"name": _shorten(name), "label": label},
            code="method",
        )


def member_read(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    *,
    budget: ExpansionBudget,
    label: str,
    keep: bool = True,
) -> bytes:
    """Stream one member chunk by chunk, paying each chunk from `budget`.

    Returns the content (empty when `keep` is false: the member is only measured).
    A member longer than its declared size, or corrupted, is refused.
    """
    chunks = []
    declared = info.file_size
    seen = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK_BYTES):
                seen += len(chunk)
                if seen > declared:
                    raise _corrupted(info.filename, label)
                budget.spend(len(chunk))
                if keep:
                    chunks.append(chunk)
    except _READ_ERRORS:
        raise _corrupted(info.filename, label) from None
    return b"".join(chunks)


def _corrupted(name: str, label: str) -> ValidationError:
    return ValidationError(
        _(
            "%(name)s in %(label)s is damaged (it does not match its checksum or "
            "size). Download or export the model again."
        )
        % {"name": _shorten(name), "label": label},
        code="corrupted",
    )


def nested_zip_check(
    data: bytes, *, budget: ExpansionBudget, label: str, depth: int = 2
) -> None:
    """Check that a zip found inside an upload (at nesting `depth`), and every zip
    inside it, expands within `budget`; content is streamed, only zips are held."""
    with zip_open(data, budget=budget, label=label) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            if not _starts_as_zip(archive, info, label=label):
                member_read(archive, info, budget=budget, label=label, keep=False)
                continue
            inner_label = f"{label}/{_shorten(info.filename)}"
            if depth >= MAX_DEPTH:
                raise ValidationError(
                    _(
                        "%(label)s is a zip inside a zip more than %(depth)d levels "
                        "deep: it is not a model export."
                    )
                    % {"label": inner_label, "depth": MAX_DEPTH},
                    code="too_deep",
                )
            content = member_read(archive, info, budget=budget, label=label)
            nested_zip_check(content, budget=budget, label=inner_label, depth=depth + 1)


def _starts_as_zip(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, label: str
) -> bool:
    """Whether the member is a zip, judged by its first bytes as numpy does."""
    try:
        with archive.open(info) as member:
            return member.read(4) in ZIP_MAGIC
    except _READ_ERRORS:
        raise _corrupted(info.filename, label) from None


def _shorten(text: str, limit: int = 80) -> str:
    """Names echoed in messages stay readable however long the upload made them."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
