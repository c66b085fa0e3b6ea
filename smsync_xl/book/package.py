"""The workbook package: a zip of XML parts, read and written here and nowhere else.

Both writes go through one zip writer. ``Package.write`` (every headless save) copies
each part that did not change as it is stored, still compressed: not a byte of the VBA
project, the ribbon parts, the styles or an untouched sheet changes, and copying it
costs next to nothing. ``write_parts`` (the builder) writes every part afresh in a
fixed order with fixed timestamps, so a rebuild gives the same bytes; ``finish_package``
makes the built package macro-enabled with both ribbon parts.

The zip is written here rather than with ``zipfile``, which can only recompress what
it copies. The format is the plain one every reader takes (no ZIP64: a workbook never
comes near 4 GiB).
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO, NamedTuple
from xml.etree import ElementTree

from smsync_xl.files.package_files import template_path

OFFICE_DOCUMENT = "/officeDocument"
WORKSHEET = "/worksheet"
TABLE = "/table"
CALC_CHAIN = "/calcChain"
RIBBON_2006 = "customUI/customUI.xml"
RIBBON_2009 = "customUI/customUI14.xml"
REL_2006 = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
REL_2009 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
COMPRESS_LEVEL = 3
"""Measured on a 30,000-row sheet (40 MB of XML): level 3 compresses it in 0.29 s to
4.0 MB, zlib's default 6 in 0.71 s to 3.5 MB, level 1 in 0.22 s to 4.7 MB."""
BUILD_COMPRESS_LEVEL = 6
"""The built workbook is small and written once: zlib's default, the smaller file."""

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIRST = ("[Content_Types].xml", "_rels/.rels")
_LOCAL = struct.Struct("<4sHHHHHLLLHH")
_CENTRAL = struct.Struct("<4sHHHHHHLLLHHHHHLL")
_END = struct.Struct("<4sHHHHLLH")
_DATA_DESCRIPTOR = 0x08
_DEFLATE_OPTIONS = 0x06
_ENCRYPTED = 0x01
_UTF8_NAMES = 0x800
_MADE_BY = 20
"""Zip 2.0 on MS-DOS: what ``zipfile`` writes for a new member."""
_BUILT_ATTRIBUTES = 0o600 << 16
"""rw------- as ``zipfile`` marks a new member: what every built workbook has carried."""
_LIMIT = 0xFFFFFFFF

Content = bytes | Callable[[], Iterable[bytes]]
"""A replaced part: its bytes, or a function giving them in pieces (a large sheet)."""


class PackageError(ValueError):
    """Not a package this module can read or write."""


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str
    """The target part's name in the zip (resolved), or the raw target if external."""
    external: bool = False


def rels_name(part: str) -> str:
    """xl/workbook.xml → xl/_rels/workbook.xml.rels."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def _dos_time(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day


@dataclass(frozen=True)
class _Compressed:
    crc: int
    size: int
    data: list[bytes]

    @property
    def compressed_size(self) -> int:
        return sum(len(piece) for piece in self.data)


_IN_FLIGHT = 4
"""Pieces of one part compressed at a time, each on its own (see ``_compress``)."""


def _block(piece: bytes, level: int) -> bytes:
    """One piece as deflate blocks that end on a byte and are not the last (a full
    flush): pieces compressed apart, one after the other, make one deflate stream."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(piece) + compressor.flush(zlib.Z_FULL_FLUSH)


def _compress(content: Content, level: int) -> _Compressed:
    """A part given in pieces (a sheet's rows, a megabyte or more each) has them
    compressed on two threads while the next are made, as pigz does: each starts
    afresh, which costs about 0.6 % in size (a 47 MB sheet: 5.15 to 5.18 MB), and
    zlib works outside the GIL. A part given whole is one stream, as the builder has
    always written it."""
    if isinstance(content, bytes):
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        data = [compressor.compress(content), compressor.flush()]
        return _Compressed(zlib.crc32(content), len(content), data)
    crc = size = 0
    data = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        pending: deque[Future[bytes]] = deque()
        for piece in content():
            crc = zlib.crc32(piece, crc)
            size += len(piece)
            pending.append(pool.submit(_block, piece, level))
            if len(pending) >= _IN_FLIGHT:
                data.append(pending.popleft().result())
        data += [future.result() for future in pending]
    data.append(zlib.compressobj(level, zlib.DEFLATED, -15).flush())
    return _Compressed(crc, size, data)


def _compress_all(contents: Mapping[str, Content], level: int) -> dict[str, _Compressed]:
    with ThreadPoolExecutor(max_workers=2) as pool:  # zlib works outside the GIL
        futures = {name: pool.submit(_compress, c, level) for name, c in contents.items()}
        return {name: future.result() for name, future in futures.items()}


class _Header(NamedTuple):
    """The fields a part's local header and its central directory record share, in order."""

    needed: int
    flags: int
    method: int
    time: int
    date: int
    crc: int
    compressed_size: int
    size: int


def _new_header(
    name: str,
    new: _Compressed,
    *,
    old_flags: int = 0,
    date_time: tuple[int, int, int, int, int, int] = _ZIP_TIME,
) -> _Header:
    """The header of a part just compressed, keeping what an old one said of its name."""
    flags = old_flags & ~(_DATA_DESCRIPTOR | _DEFLATE_OPTIONS)
    if not name.isascii():
        flags |= _UTF8_NAMES
    time, date = _dos_time(date_time)
    return _Header(
        20, flags, zipfile.ZIP_DEFLATED, time, date, new.crc, new.compressed_size, new.size
    )


def _replaced_header(name: str, new: _Compressed, info: zipfile.ZipInfo | None) -> _Header:
    """A replaced part keeps its old time and name flags; a new one gets the fixed time."""
    if info is None:
        return _new_header(name, new)
    return _new_header(name, new, old_flags=info.flag_bits, date_time=info.date_time)


class _ZipWriter:
    """Members one after the other, then the central directory: the one zip writer."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._central: list[bytes] = []
        self._offset = 0

    def add(
        self,
        name: str,
        header: _Header,
        pieces: Iterable[bytes | memoryview],
        info: zipfile.ZipInfo | None = None,
        *,
        attributes: int = 0,
    ) -> None:
        """One member; ``info`` is the part's old record, whose attributes it keeps."""
        if max(header.size, header.compressed_size, self._offset) >= _LIMIT:
            raise PackageError(f"{name} would need ZIP64")
        encoded = name.encode("utf-8")
        self._out.write(_LOCAL.pack(b"PK\x03\x04", *header, len(encoded), 0))
        self._out.write(encoded)
        for piece in pieces:
            self._out.write(piece)
        made_by = (info.create_system << 8 | info.create_version) if info else _MADE_BY
        self._central.append(
            _CENTRAL.pack(
                b"PK\x01\x02",
                made_by,
                *header,
                len(encoded),
                0,
                0,
                0,
                info.internal_attr if info else 0,
                info.external_attr if info else attributes,
                self._offset,
            )
            + encoded
        )
        self._offset += _LOCAL.size + len(encoded) + header.compressed_size

    def close(self) -> None:
        directory = b"".join(self._central)
        count = len(self._central)
        self._out.write(directory)
        self._out.write(
            _END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), self._offset, 0)
        )


def read_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_parts(parts: Mapping[str, bytes], *, level: int = BUILD_COMPRESS_LEVEL) -> bytes:
    """A zip with every part compressed afresh, in a fixed order with fixed metadata."""
    ordered = [n for n in _FIRST if n in parts] + sorted(n for n in parts if n not in _FIRST)
    compressed = _compress_all({name: parts[name] for name in ordered}, level)
    buffer = io.BytesIO()
    writer = _ZipWriter(buffer)
    for name in ordered:
        header = _new_header(name, compressed[name])
        writer.add(name, header, compressed[name].data, attributes=_BUILT_ATTRIBUTES)
    writer.close()
    return buffer.getvalue()


def ribbon_parts() -> dict[str, bytes]:
    """Both ribbon parts from templates/: Office 2010+ reads customUI14, 2007 customUI."""
    return {
        RIBBON_2006: template_path("customUI.xml").read_bytes(),
        RIBBON_2009: template_path("customUI14.xml").read_bytes(),
    }


def _with_ribbon_relationships(rels: str) -> str:
    rels = re.sub(r"<Relationship [^>]*ui/extensibility\"[^>]*/>", "", rels)
    extra = (
        f'<Relationship Id="rIdSMSyncUI" Type="{REL_2006}" Target="{RIBBON_2006}"/>'
        f'<Relationship Id="rIdSMSyncUI14" Type="{REL_2009}" Target="{RIBBON_2009}"/>'
    )
    return rels.replace("</Relationships>", extra + "</Relationships>", 1)


def finish_package(data: bytes, ribbon: dict[str, bytes] | None = None) -> bytes:
    """Macro-enabled content type, both ribbon parts and their relationships, fixed bytes.

    ``ribbon`` defaults to the parts in templates/; a saved workbook passes its own.
    Used last by the builder, because openpyxl keeps the VBA project but drops the 2009
    ribbon part's relationship when it saves.
    """
    parts = read_parts(data)
    parts.update(ribbon or ribbon_parts())
    types = parts["[Content_Types].xml"].decode("utf-8").replace(XLSX_MAIN, XLSM_MAIN)
    parts["[Content_Types].xml"] = types.encode("utf-8")
    rels = _with_ribbon_relationships(parts["_rels/.rels"].decode("utf-8"))
    parts["_rels/.rels"] = rels.encode("utf-8")
    return write_parts(parts)


class Package:
    """The parts of one workbook file, read from its bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._zip = zipfile.ZipFile(io.BytesIO(data))
        self.infos = self._zip.infolist()
        self._by_name = {info.filename: info for info in self.infos}

    def __contains__(self, part: str) -> bool:
        return part in self._by_name

    def read(self, part: str) -> bytes:
        """A deflated part is inflated in one piece of its stated size (``zipfile`` grows
        its result as it reads, which for a 47 MB sheet takes about 80 MB more)."""
        info = self._by_name[part]
        if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & _ENCRYPTED:
            return self._zip.read(info)
        try:
            data = zlib.decompress(self._raw(info), -15, max(info.file_size, 1))
        except zlib.error as error:
            raise zipfile.BadZipFile(f"{part} cannot be inflated ({error})") from None
        if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 or size for file {part!r}")
        return data

    def text(self, part: str) -> str:
        return self.read(part).decode("utf-8-sig")

    def relationships(self, part: str) -> list[Relationship]:
        """The relationships of ``part`` ('' for the package's own, _rels/.rels)."""
        name = "_rels/.rels" if not part else rels_name(part)
        if name not in self:
            return []
        found = []
        for element in ElementTree.fromstring(self.read(name)):
            if _local_name(element.tag) != "Relationship":
                continue
            external = element.get("TargetMode") == "External"
            target = element.get("Target", "")
            found.append(
                Relationship(
                    element.get("Id", ""),
                    element.get("Type", ""),
                    target if external else _resolve(part, target),
                    external,
                )
            )
        return found

    def workbook_part(self) -> str:
        for relationship in self.relationships(""):
            if relationship.type.endswith(OFFICE_DOCUMENT):
                return relationship.target
        raise PackageError("the package has no workbook part")

    def sheet_parts(self) -> dict[str, str]:
        """Sheet name → its worksheet part, in the workbook's order."""
        workbook = self.workbook_part()
        targets = {
            r.id: r.target
            for r in self.relationships(workbook)
            if r.type.endswith(WORKSHEET) and not r.external
        }
        sheets = {}
        for element in ElementTree.fromstring(self.read(workbook)).iter():
            if _local_name(element.tag) == "sheet":
                relationship_id = next(
                    (v for k, v in element.attrib.items() if _local_name(k) == "id"), ""
                )
                if relationship_id in targets:
                    sheets[element.get("name", "")] = targets[relationship_id]
        return sheets

    def _raw(self, info: zipfile.ZipInfo) -> memoryview:
        (signature, *_, name_length, extra_length) = _LOCAL.unpack_from(
            self.data, info.header_offset
        )
        if signature != b"PK\x03\x04":
            raise PackageError(f"{info.filename}: no local header where the directory says")
        start = info.header_offset + _LOCAL.size + name_length + extra_length
        return memoryview(self.data)[start : start + info.compress_size]

    def write(
        self,
        out: BinaryIO,
        replaced: Mapping[str, Content | None],
        *,
        level: int = COMPRESS_LEVEL,
    ) -> None:
        """The package with ``replaced`` parts (None drops one; a new name is added at
        the end); every other part copied as stored, in the old order."""
        names = [info.filename for info in self.infos]
        names += [name for name in replaced if name not in self._by_name]
        changed = {n: c for n in names if (c := replaced.get(n)) is not None}
        compressed = _compress_all(changed, level)
        writer = _ZipWriter(out)
        for name in names:
            if name in replaced and replaced[name] is None:
                continue
            info = self._by_name.get(name)
            if info is not None and info.flag_bits & _ENCRYPTED:
                raise PackageError(f"{name} is encrypted")
            new = compressed.get(name)
            if new is not None:
                writer.add(name, _replaced_header(name, new, info), new.data, info)
            else:
                assert info is not None
                writer.add(name, self._copied_header(info), [self._raw(info)], info)
        writer.close()

    def _copied_header(self, info: zipfile.ZipInfo) -> _Header:
        """A part copied as stored keeps its own method, CRC, version and times."""
        flags = info.flag_bits & ~_DATA_DESCRIPTOR
        if not info.filename.isascii():
            flags |= _UTF8_NAMES
        time, date = _dos_time(info.date_time)
        return _Header(
            max(20, info.extract_version),
            flags,
            info.compress_type,
            time,
            date,
            info.CRC,
            info.compress_size,
            info.file_size,
        )
