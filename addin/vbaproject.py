"""Write an Excel VBA project (``vbaProject.bin``) from VBA source text.

A VBA project is an OLE compound file ([MS-CFB]) holding the storages and streams of
[MS-OVBA] 2.2: ``PROJECT`` and ``PROJECTwm`` at the root, and a ``VBA`` storage with
``_VBA_PROJECT``, ``dir`` and one stream per module. ``_VBA_PROJECT`` declares version
0xFFFF (no performance cache: Office compiles the project from source when it opens it)
and its last reserved word 0x0001, as Excel writes them in the files xlwings ships.
Standard modules hold only their compressed source; a module read from an Excel-saved
project (:func:`read_modules`: document and class modules) keeps its whole stream, compiled
code then source at its MODULEOFFSET, byte for byte, as in every Excel-made file.

Public pieces: :func:`compress` / :func:`decompress` (MS-OVBA 2.4.1), :class:`VbaModule`
and :func:`build_vba_project`. olefile can read compound files but not write new ones,
so the minimal writer here (:func:`_write_cfb`, version 3, 512-byte sectors) lays out
the file itself.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass
from typing import Literal, Sequence

__all__ = ["VbaModule", "build_vba_project", "read_modules", "compress", "decompress", "CODEPAGE"]

#: Code page of every MBCS string in the project (module names, source text).
CODEPAGE = 1252
_ENCODING = f"cp{CODEPAGE}"
_LCID_EN_US = 0x0409

_CHUNK = 4096  # decompressed bytes per chunk (MS-OVBA 2.4.1.1.3)
_MAX_CANDIDATES = 256  # match candidates examined per position by the compressor


# --------------------------------------------------------------------------------------
# MS-OVBA 2.4.1 compression
# --------------------------------------------------------------------------------------

def _copy_token_bits(position: int) -> int:
    """Offset bit count of a CopyToken at ``position`` bytes into its chunk (2.4.1.3.19.1)."""
    return max((position - 1).bit_length(), 4)


def _longest_match(chunk: bytes, seen: dict[bytes, list[int]], position: int, limit: int) -> tuple[int, int]:
    """(length, offset) of the longest earlier match at ``position``, nearest on ties.

    ``seen`` maps each 3-byte prefix to the earlier positions where it starts. A match
    may overlap ``position`` (the decompressor copies byte by byte). Length 0: no match.
    """
    best_length, best_offset = 0, 0
    for candidate in reversed(seen.get(chunk[position:position + 3], [])[-_MAX_CANDIDATES:]):
        length = 0
        while length < limit and chunk[candidate + length] == chunk[position + length]:
            length += 1
        if length > best_length:
            best_length, best_offset = length, position - candidate
            if length == limit:
                break
    return best_length, best_offset


def _compress_chunk(chunk: bytes) -> bytes:
    """One CompressedChunk (header + data) for at most 4096 bytes (2.4.1.3.7).

    Greedy longest match within the chunk (nearest on ties), as in the specification's
    matching algorithm (2.4.1.3.19.4), with a bounded number of candidates per position.
    A chunk whose tokens would not fit in 4096 bytes is stored raw (2.4.1.3.10).
    """
    out = bytearray()
    seen: dict[bytes, list[int]] = {}
    position, end = 0, len(chunk)
    while position < end:
        flag_index = len(out)
        out.append(0)
        for bit in range(8):
            if position >= end:
                break
            bits = _copy_token_bits(position)
            limit = min((0xFFFF >> bits) + 3, end - position)
            length, offset = _longest_match(chunk, seen, position, limit) if limit >= 3 else (0, 0)
            if length >= 3:
                out += struct.pack("<H", ((offset - 1) << (16 - bits)) | (length - 3))
                out[flag_index] |= 1 << bit
            else:
                length = 1
                out.append(chunk[position])
            for i in range(position, min(position + length, end - 2)):
                seen.setdefault(chunk[i:i + 3], []).append(i)
            position += length
    if len(out) > _CHUNK:
        return struct.pack("<H", 0x3FFF) + chunk.ljust(_CHUNK, b"\x00")
    return struct.pack("<H", 0xB000 | (len(out) + 2 - 3)) + bytes(out)


def compress(data: bytes) -> bytes:
    """Compress ``data`` into an MS-OVBA CompressedContainer (2.4.1.3.6).

    Parameters
    ----------
    data : bytes
        Decompressed bytes (a module's source text, the ``dir`` stream, ...).

    Returns
    -------
    bytes
        The signature byte 0x01 followed by one chunk per 4096 input bytes. Chunks are
        compressed; a chunk that does not shrink enough to fit (random data, never VBA
        text) is stored raw, which the format pads with zeros to 4096 bytes.
    """
    chunks = (_compress_chunk(data[i:i + _CHUNK]) for i in range(0, len(data), _CHUNK))
    return b"\x01" + b"".join(chunks)


def decompress(container: bytes) -> bytes:
    """Decompress an MS-OVBA CompressedContainer (2.4.1.3.1).

    Parameters
    ----------
    container : bytes
        A CompressedContainer: signature byte 0x01, then chunks.

    Returns
    -------
    bytes
        The decompressed bytes.

    Raises
    ------
    ValueError
        If the container is malformed (bad signature, truncated chunk, a copy token
        pointing before the start of its chunk).
    """
    if container[:1] != b"\x01":
        raise ValueError("not an MS-OVBA compressed container (signature byte is not 0x01)")
    out = bytearray()
    current = 1
    while current < len(container):
        if current + 2 > len(container):
            raise ValueError(f"truncated chunk header at byte {current}")
        (header,) = struct.unpack_from("<H", container, current)
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != 0b011:
            raise ValueError(f"bad chunk signature at byte {current}")
        if current + size > len(container):
            raise ValueError(f"chunk at byte {current} runs past the end of the container")
        if not header & 0x8000:
            if size != _CHUNK + 2:
                raise ValueError(f"raw chunk at byte {current} is not 4096 bytes")
            out += container[current + 2:current + size]
        else:
            _decompress_chunk(container[current + 2:current + size], out)
        current += size
    return bytes(out)


def _decompress_chunk(data: bytes, out: bytearray) -> None:
    """Append the decompressed CompressedChunkData ``data`` to ``out`` (2.4.1.3.2)."""
    start, current = len(out), 0
    while current < len(data):
        flags = data[current]
        current += 1
        for bit in range(8):
            if current >= len(data):
                break
            if not flags >> bit & 1:
                out.append(data[current])
                current += 1
                continue
            if current + 2 > len(data):
                raise ValueError("truncated copy token")
            (token,) = struct.unpack_from("<H", data, current)
            current += 2
            bits = _copy_token_bits(len(out) - start)
            offset, length = (token >> (16 - bits)) + 1, (token & (0xFFFF >> bits)) + 3
            source = len(out) - offset
            if source < start:
                raise ValueError("copy token points before the start of its chunk")
            for i in range(length):
                out.append(out[source + i])


# --------------------------------------------------------------------------------------
# MS-OVBA 2.3 VBA storage
# --------------------------------------------------------------------------------------

ModuleKind = Literal["standard", "class", "document"]

#: Type-library references every Excel VBA project carries (MS-OVBA 2.3.4.2.2.5); the
#: Office library defines IRibbonControl, the ribbon callbacks' argument type.
_REFERENCES = (
    ("stdole", r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
               r"C:\Windows\System32\stdole2.tlb#OLE Automation"),
    ("Office", r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
               r"C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL"
               r"#Microsoft Office 16.0 Object Library"),
)
_PROJECT_KEYWORD = {"standard": "Module", "class": "Class", "document": "Document"}
_ENCRYPTION_SEED = 0x11  # (seed & 6) == 0: no ignored bytes in CMG/DPB/GC
# Decrypted CMG, DPB and GC values: not protected, no password, visible (2.3.1.15-17).
_NOT_PROTECTED, _NO_PASSWORD, _VISIBLE = bytes(4), b"\x00", b"\xff"


@dataclass(frozen=True)
class VbaModule:
    """One VBA module as the VBA editor stores it.

    Parameters
    ----------
    name : str
        Module name (also its stream name), at most 31 characters.
    kind : {"standard", "class", "document"}
        A standard (.bas) module, a class module, or the code module of the workbook
        or of a sheet.
    source : str
        The stored source, starting with its ``Attribute VB_Name = "..."`` line (and, for
        class and document modules, the other ``Attribute VB_*`` header lines). Line
        endings are normalised to CRLF when the project is written.
    stream : bytes, optional
        The whole module stream as Excel saved it (compiled code, then the compressed
        source at `offset`), written byte for byte; see :func:`read_modules`. Without
        it the stream is the compressed source only.
    offset : int, default 0
        Where the compressed source starts in `stream` (the dir stream's MODULEOFFSET).
    """

    name: str
    kind: ModuleKind
    source: str
    stream: bytes | None = None
    offset: int = 0

    def stored_source(self) -> bytes:
        """The source text as written to the module stream (CRLF, code page 1252)."""
        lines = self.source.splitlines()
        return "".join(line + "\r\n" for line in lines).encode(_ENCODING)


def build_vba_project(project_name: str, modules: Sequence[VbaModule]) -> bytes:
    """Build a ``vbaProject.bin`` holding ``modules``.

    Parameters
    ----------
    project_name : str
        The VBA project name (shown in the VBA editor's project tree).
    modules : sequence of VbaModule
        Every module of the project, including the document modules (``ThisWorkbook``
        and one per sheet) that the workbook's ``codeName`` attributes refer to.

    Returns
    -------
    bytes
        The compound file.
    """
    project_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"cskpi:vba:{project_name}")).upper() + "}"
    streams = {
        "PROJECT": _project_stream(project_id, project_name, modules),
        "PROJECTwm": _project_wm_stream(modules),
        # Reserved1, Version 0xFFFF (no performance cache: Office compiles from source),
        # Reserved2, Reserved3 = 0x0001 as Excel writes it (xlwings' Excel-saved files)
        "VBA/_VBA_PROJECT": struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0001),
        "VBA/dir": compress(_dir_stream(project_name, modules)),
    }
    streams.update({f"VBA/{m.name}": m.stream if m.stream is not None else compress(m.stored_source())
                    for m in modules})
    return _write_cfb(streams)


def read_modules(vba_project: bytes, names: Sequence[str]) -> list[VbaModule]:
    """The named modules of an existing ``vbaProject.bin``, streams kept byte for byte.

    Parameters
    ----------
    vba_project : bytes
        A compound file as Excel saves it (e.g. the add-in xlwings ships).
    names : sequence of str
        Module names, in the order wanted.

    Returns
    -------
    list of VbaModule
        Each with its kind, its source (decompressed from MODULEOFFSET) and its whole
        stream (compiled code included).

    Raises
    ------
    KeyError
        A name that is not a module of the project.
    """
    import io

    import olefile

    ole = olefile.OleFileIO(io.BytesIO(vba_project))
    try:
        info = _dir_modules(decompress(ole.openstream("VBA/dir").read()))
        keywords = {v: k for k, v in _PROJECT_KEYWORD.items()}
        kinds = {}
        for line in ole.openstream("PROJECT").read().decode(_ENCODING).splitlines():
            key, _, value = line.partition("=")
            if key in keywords:
                kinds[value.split("/")[0]] = keywords[key]
        out = []
        for name in names:
            stream_name, offset, _ = info[name]
            kind = kinds[name]
            stream = ole.openstream(f"VBA/{stream_name}").read()
            source = decompress(stream[offset:]).decode(_ENCODING)
            out.append(VbaModule(name, kind, source, stream=stream, offset=offset))
        return out
    finally:
        ole.close()


def _dir_modules(data: bytes) -> dict:
    """Module name -> (stream name, source offset, "standard") from a decompressed dir stream."""
    modules, current, position = {}, {}, 0
    while position + 6 <= len(data):
        record_id, size = struct.unpack_from("<HI", data, position)
        if record_id == 0x0009:  # PROJECTVERSION: its Size field is Reserved (4) and 6 bytes follow
            size = 6
        payload = data[position + 6:position + 6 + size]
        position += 6 + size
        if record_id == 0x0019:
            current = {"name": payload.decode(_ENCODING), "kind": "standard"}
        elif record_id == 0x001A:
            current["stream"] = payload.decode(_ENCODING)
        elif record_id == 0x0031:
            current["offset"] = struct.unpack("<I", payload)[0]
        elif record_id == 0x002B:
            modules[current["name"]] = (current.get("stream", current["name"]), current.get("offset", 0),
                                        current["kind"])
    return modules


def _mbcs(text: str) -> bytes:
    return text.encode(_ENCODING)


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def _record(record_id: int, payload: bytes) -> bytes:
    """A dir-stream record: Id (2 bytes), Size (4 bytes), payload."""
    return struct.pack("<HI", record_id, len(payload)) + payload


def _text_records(record_id: int, unicode_id: int, text: str) -> bytes:
    """An MBCS record followed by its Unicode twin (name, doc string, ... records)."""
    return _record(record_id, _mbcs(text)) + _record(unicode_id, _utf16(text))


def _dir_stream(project_name: str, modules: Sequence[VbaModule]) -> bytes:
    """The decompressed ``dir`` stream (MS-OVBA 2.3.4.2)."""
    information = b"".join((
        _record(0x0001, struct.pack("<I", 1)),  # PROJECTSYSKIND: 32-bit Windows
        _record(0x0002, struct.pack("<I", _LCID_EN_US)),  # PROJECTLCID
        _record(0x0014, struct.pack("<I", _LCID_EN_US)),  # PROJECTLCIDINVOKE
        _record(0x0003, struct.pack("<H", CODEPAGE)),  # PROJECTCODEPAGE
        _record(0x0004, _mbcs(project_name)),  # PROJECTNAME
        _text_records(0x0005, 0x0040, ""),  # PROJECTDOCSTRING
        _record(0x0006, b"") + _record(0x003D, b""),  # PROJECTHELPFILEPATH: no help file
        _record(0x0007, struct.pack("<I", 0)),  # PROJECTHELPCONTEXT
        _record(0x0008, struct.pack("<I", 0)),  # PROJECTLIBFLAGS
        struct.pack("<HIIH", 0x0009, 4, 1, 0),  # PROJECTVERSION: Reserved=4, major, minor
        _text_records(0x000C, 0x003C, ""),  # PROJECTCONSTANTS
    ))
    references = b"".join(
        _text_records(0x0016, 0x003E, name)  # REFERENCENAME
        + _record(0x000D, struct.pack("<I", len(libid)) + _mbcs(libid) + struct.pack("<IH", 0, 0))
        for name, libid in _REFERENCES
    )
    module_records = b"".join(_module_records(m) for m in modules)
    return b"".join((
        information,
        references,
        _record(0x000F, struct.pack("<H", len(modules))),  # PROJECTMODULES count
        _record(0x0013, struct.pack("<H", 0xFFFF)),  # PROJECTCOOKIE
        module_records,
        _record(0x0010, b""),  # dir terminator
    ))


def _module_records(module: VbaModule) -> bytes:
    """The MODULE record of one module (MS-OVBA 2.3.4.2.3.2)."""
    return b"".join((
        _text_records(0x0019, 0x0047, module.name),  # MODULENAME, MODULENAMEUNICODE
        _text_records(0x001A, 0x0032, module.name),  # MODULESTREAMNAME
        _text_records(0x001C, 0x0048, ""),  # MODULEDOCSTRING
        _record(0x0031, struct.pack("<I", module.offset)),  # MODULEOFFSET: where the source starts
        _record(0x001E, struct.pack("<I", 0)),  # MODULEHELPCONTEXT
        _record(0x002C, struct.pack("<H", 0xFFFF)),  # MODULECOOKIE
        _record(0x0021 if module.kind == "standard" else 0x0022, b""),  # MODULETYPE
        _record(0x002B, b""),  # terminator
    ))


def _project_stream(project_id: str, project_name: str, modules: Sequence[VbaModule]) -> bytes:
    """The ``PROJECT`` stream: the project's properties as text (MS-OVBA 2.3.1)."""
    lines = [f'ID="{project_id}"']
    for module in modules:
        suffix = "/&H00000000" if module.kind == "document" else ""
        lines.append(f"{_PROJECT_KEYWORD[module.kind]}={module.name}{suffix}")
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{_encrypt(_NOT_PROTECTED, project_id, _ENCRYPTION_SEED, b"")}"',
        f'DPB="{_encrypt(_NO_PASSWORD, project_id, _ENCRYPTION_SEED, b"")}"',
        f'GC="{_encrypt(_VISIBLE, project_id, _ENCRYPTION_SEED, b"")}"',
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
        "[Workspace]",
    ]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return _mbcs("".join(line + "\r\n" for line in lines))


def _project_wm_stream(modules: Sequence[VbaModule]) -> bytes:
    """The ``PROJECTwm`` stream: module names in MBCS and UTF-16 (MS-OVBA 2.3.3)."""
    names = b"".join(_mbcs(m.name) + b"\x00" + _utf16(m.name) + b"\x00\x00" for m in modules)
    return names + b"\x00\x00"


def _encrypt(data: bytes, project_id: str, seed: int, ignored: bytes) -> str:
    """Data Encryption of MS-OVBA 2.4.3.2, as the hex string the PROJECT stream stores.

    Parameters
    ----------
    data : bytes
        The bytes to encrypt.
    project_id : str
        The project's ``ID`` (GUID in braces); the sum of its bytes is the project key.
    seed : int
        The seed byte.
    ignored : bytes
        The ``(seed & 6) // 2`` filler bytes the algorithm encrypts before the length.
    """
    if len(ignored) != (seed & 6) // 2:
        raise ValueError("the seed fixes the number of ignored bytes")
    project_key = sum(_mbcs(project_id)) & 0xFF
    version_enc, project_key_enc = seed ^ 2, seed ^ project_key
    out = [seed, version_enc, project_key_enc]
    plain_prev, enc_prev, enc_prev2 = project_key, project_key_enc, version_enc
    for byte in ignored + struct.pack("<I", len(data)) + data:
        encrypted = byte ^ ((enc_prev2 + plain_prev) & 0xFF)
        out.append(encrypted)
        enc_prev2, enc_prev, plain_prev = enc_prev, encrypted, byte
    return bytes(out).hex().upper()


# --------------------------------------------------------------------------------------
# MS-CFB writer (version 3)
# --------------------------------------------------------------------------------------

_SECTOR, _MINI_SECTOR, _MINI_CUTOFF = 512, 64, 4096
_FREESECT, _ENDOFCHAIN, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_HEADER_DIFAT = 109
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1


@dataclass
class _Entry:
    """A directory entry being laid out."""

    name: str
    kind: int
    data: bytes = b""
    children: tuple[int, ...] = ()
    start: int = _ENDOFCHAIN
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    color: int = _BLACK


def _cfb_key(name: str) -> tuple[int, str]:
    """Sibling order of directory entries: shorter names first, then upper-cased (2.6.4)."""
    return len(name), name.upper()


def _link_siblings(entries: list[_Entry], ids: list[int], depth: int, full_levels: int) -> int:
    """Make ``ids`` (sorted) a balanced red-black tree; return the root id.

    Every level above ``full_levels`` is complete and black; nodes on the one incomplete
    bottom level are red, so every path has the same number of black nodes.
    """
    if not ids:
        return _NOSTREAM
    middle = len(ids) // 2
    node = entries[ids[middle]]
    node.color = _RED if depth >= full_levels else _BLACK
    node.left = _link_siblings(entries, ids[:middle], depth + 1, full_levels)
    node.right = _link_siblings(entries, ids[middle + 1:], depth + 1, full_levels)
    return ids[middle]


def _directory(streams: dict[str, bytes]) -> list[_Entry]:
    """Directory entries for ``streams`` ("STORAGE/STREAM" paths), root first."""
    entries = [_Entry("Root Entry", _ROOT)]
    children: dict[int, list[int]] = {0: []}
    storages: dict[str, int] = {}
    for path, data in streams.items():
        parent = 0
        *folders, name = path.split("/")
        for folder in folders:
            if folder not in storages:
                storages[folder] = len(entries)
                children[parent].append(len(entries))
                children[len(entries)] = []
                entries.append(_Entry(folder, _STORAGE))
            parent = storages[folder]
        children[parent].append(len(entries))
        entries.append(_Entry(name, _STREAM, data))
    for parent, ids in children.items():
        ids.sort(key=lambda i: _cfb_key(entries[i].name))
        full_levels = (len(ids) + 1).bit_length() - 1  # complete levels of the tree
        entries[parent].child = _link_siblings(entries, ids, 0, full_levels)
    return entries


def _sectors(size: int, sector: int) -> int:
    return -(-size // sector)


def _pad(data: bytes, sector: int) -> bytes:
    return data.ljust(_sectors(len(data), sector) * sector, b"\x00")


def _chain(table: list[int], start: int, count: int) -> None:
    """Link ``count`` consecutive sectors from ``start`` in an allocation ``table``."""
    table[start:start + count] = list(range(start + 1, start + count)) + [_ENDOFCHAIN]


def _write_cfb(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file holding ``streams`` (MS-CFB 2.2-2.6)."""
    entries = _directory(streams)
    small = [e for e in entries if e.kind == _STREAM and 0 < len(e.data) < _MINI_CUTOFF]
    large = [e for e in entries if e.kind == _STREAM and len(e.data) >= _MINI_CUTOFF]

    mini_fat: list[int] = []
    mini_stream = bytearray()
    for entry in small:
        entry.start = len(mini_fat)
        count = _sectors(len(entry.data), _MINI_SECTOR)
        mini_fat += [0] * count
        _chain(mini_fat, entry.start, count)
        mini_stream += _pad(entry.data, _MINI_SECTOR)
    mini_fat_sectors = _sectors(4 * len(mini_fat), _SECTOR)
    mini_fat += [_FREESECT] * (mini_fat_sectors * _SECTOR // 4 - len(mini_fat))

    body = bytearray(_pad(bytes(mini_stream), _SECTOR))
    root = entries[0]
    root.data = bytes(mini_stream)
    root.start = 0 if mini_stream else _ENDOFCHAIN
    fat_chains = [(0, len(body) // _SECTOR)] if mini_stream else []
    for entry in large:
        entry.start = len(body) // _SECTOR
        fat_chains.append((entry.start, _sectors(len(entry.data), _SECTOR)))
        body += _pad(entry.data, _SECTOR)

    directory_start = len(body) // _SECTOR
    unused = _Entry("", 0, color=0)
    directory = b"".join(_entry_bytes(e) for e in entries + [unused] * (-len(entries) % 4))
    fat_chains.append((directory_start, len(directory) // _SECTOR))
    body += directory

    mini_fat_start = len(body) // _SECTOR if mini_fat_sectors else _ENDOFCHAIN
    if mini_fat_sectors:
        fat_chains.append((mini_fat_start, mini_fat_sectors))
        body += struct.pack(f"<{len(mini_fat)}I", *mini_fat)

    used = len(body) // _SECTOR
    fat_count = 1
    while fat_count * (_SECTOR // 4) < used + fat_count:
        fat_count += 1
    if fat_count > _HEADER_DIFAT:
        raise ValueError("VBA project too large for a compound file without DIFAT sectors")
    fat = [_FREESECT] * (fat_count * _SECTOR // 4)
    for start, count in fat_chains:
        _chain(fat, start, count)
    fat[used:used + fat_count] = [_FATSECT] * fat_count
    body += struct.pack(f"<{len(fat)}I", *fat)

    difat = list(range(used, used + fat_count)) + [_FREESECT] * (_HEADER_DIFAT - fat_count)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("D0CF11E0A1B11AE1"), bytes(16), 0x003E, 0x0003, 0xFFFE, 9, 6, bytes(6),
        0, fat_count, directory_start, 0, _MINI_CUTOFF, mini_fat_start, mini_fat_sectors,
        _ENDOFCHAIN, 0,
    ) + struct.pack(f"<{_HEADER_DIFAT}I", *difat)
    return header + bytes(body)


def _entry_bytes(entry: _Entry) -> bytes:
    """The 128-byte directory entry (MS-CFB 2.6.1); an empty name makes an unused entry."""
    name = _utf16(entry.name + "\x00") if entry.name else b""
    if len(name) > 64:
        raise ValueError(f"directory entry name too long: {entry.name!r}")
    size = len(entry.data) if entry.kind in (_STREAM, _ROOT) else 0
    start = entry.start if entry.kind in (_STREAM, _ROOT) else 0
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name, len(name), entry.kind, entry.color, entry.left, entry.right, entry.child,
        bytes(16), 0, 0, 0, start, size,
    )
