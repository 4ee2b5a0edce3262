"""What uploads may keep on the server's disk: caps per file, per upload, per uploader, in all.

Gradio writes each uploaded file into its upload folder before any handler
sees it, so the caps act on the bytes as they arrive: ``app.gate`` runs every
upload's body through an :class:`UploadFilter` on its way to gradio. A file
passes while it keeps within ``max_file_bytes``, its upload within
``max_upload_files`` and ``max_request_bytes``, its uploader within
``max_uploader_bytes`` and the folder within ``max_upload_space_bytes``
(:class:`UploadQuota` keeps the accounts). A file that would break a cap
loses its bytes from there on and is kept as an empty stand-in, so the other
files of the upload arrive whole and the Corpus tab names the refused one
with its reason (:meth:`UploadQuota.refusal`). Each file counts
``FILE_OVERHEAD`` bytes more than its size, for its folder and inode.
Uploaded files are deleted once indexed or refused (:meth:`UploadQuota.discard`);
gradio deletes any left over after an hour.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from app.policy import ServiceLimits, size_text

FILE_OVERHEAD = 4096
"""Bytes each uploaded file counts on top of its size: its folder and inode."""
UPLOAD_FIELD = b"files"
"""The form field gradio's upload route reads; parts under any other name are dropped."""
MAX_PART_HEADER_BYTES = 8 * 1024


def folder_files(folder: Path) -> dict[Path, int]:
    """Every file under ``folder`` (links not followed) and its size in bytes."""
    files = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = Path(root) / name
            try:
                files[path] = path.lstat().st_size
            except OSError:
                continue  # deleted while we looked
    return files


class UploadQuota:
    """The bytes uploads hold in the upload folder, per uploader and in all.

    An uploader is whoever :mod:`app.gate` names: the login, or the client
    address on a page without logins. Thread-safe: the gate takes bytes in the
    server's event loop while handlers discard files in worker threads.

    Args:
        folder: gradio's upload folder.
        limits: the caps (``max_uploader_bytes``, ``max_upload_space_bytes``,
            and the per-file and per-upload ones that :class:`UploadFilter` applies).
    """

    def __init__(self, folder: str | Path, limits: ServiceLimits) -> None:
        self.folder = Path(folder).resolve()
        self.limits = limits
        self._lock = threading.Lock()
        self._held: dict[Path, tuple[str, int]] = {}
        self._held_by: Counter[str] = Counter()
        self._in_flight: Counter[str] = Counter()
        self._other = 0
        self._refused: dict[Path, str] = {}

    def _key(self, path: str | Path) -> Path | None:
        """``path`` resolved, if it lies in the upload folder; else ``None``."""
        resolved = Path(path).resolve()
        return resolved if self.folder in resolved.parents else None

    def _forget(self, key: Path) -> None:
        uploader, charged = self._held.pop(key, ("", 0))
        self._held_by[uploader] -= charged
        if self._held_by[uploader] <= 0:
            del self._held_by[uploader]
        self._refused.pop(key, None)

    def refresh(self) -> None:
        """Measure the folder: forget files gone from it, and count what no upload holds."""
        files = folder_files(self.folder)
        on_disk = sum(size + FILE_OVERHEAD for size in files.values())
        with self._lock:
            for key in [key for key in self._held if key not in files]:
                self._forget(key)
            self._other = max(0, on_disk - sum(self._held_by.values()))

    def used_bytes(self) -> int:
        """The bytes the upload folder holds, as last measured, plus uploads under way."""
        with self._lock:
            return self._other + sum(self._held_by.values()) + sum(self._in_flight.values())

    def _no_room(self, uploader: str, count: int) -> str | None:
        limits = self.limits
        waiting = self._held_by[uploader] + self._in_flight[uploader]
        if waiting + count > limits.max_uploader_bytes:
            return (
                f"you have {size_text(waiting)} of uploads waiting on the server, and may "
                f"have {size_text(limits.max_uploader_bytes)} at most: index them first"
            )
        used = self._other + sum(self._held_by.values()) + sum(self._in_flight.values())
        if used + count > limits.max_upload_space_bytes:
            return "the server's space for uploads is full; try again later"
        return None

    def full(self, uploader: str) -> str | None:
        """Why ``uploader`` may not upload now (no room for one more file), or ``None``."""
        with self._lock:
            return self._no_room(uploader, FILE_OVERHEAD)

    def take(self, uploader: str, count: int) -> str | None:
        """Reserve ``count`` bytes for an upload under way; returns why not, if they do not fit."""
        with self._lock:
            reason = self._no_room(uploader, count)
            if reason is None:
                self._in_flight[uploader] += count
        return reason

    def settle(
        self, uploader: str, taken: int, paths: Iterable[str], refused: Mapping[int, str]
    ) -> None:
        """End an upload: the files gradio kept (``paths``, in upload order) are the uploader's.

        A refused file (its position in ``refused``) is emptied and its reason
        kept for :meth:`refusal`; the bytes reserved while it streamed are released.
        """
        for number, path in enumerate(paths):
            key = self._key(path)
            if key is None:
                continue
            try:
                if number in refused:
                    os.truncate(key, 0)
                size = key.stat().st_size
            except OSError:
                continue
            with self._lock:
                self._forget(key)
                self._held[key] = (uploader, size + FILE_OVERHEAD)
                self._held_by[uploader] += size + FILE_OVERHEAD
                if number in refused:
                    self._refused[key] = refused[number]
        with self._lock:
            self._in_flight[uploader] -= taken
            if self._in_flight[uploader] <= 0:
                del self._in_flight[uploader]

    def refusal(self, path: str | Path) -> str | None:
        """Why an uploaded file was refused as it arrived, or ``None`` if it was not."""
        key = self._key(path)
        with self._lock:
            return None if key is None else self._refused.get(key)

    def discard(self, paths: Iterable[str | Path]) -> None:
        """Delete uploaded files (and their folders, once empty); paths elsewhere are left."""
        for path in paths:
            key = self._key(path)
            if key is None:
                continue
            key.unlink(missing_ok=True)
            if key.parent != self.folder:
                # Left if another file of the same content is still there.
                with contextlib.suppress(OSError):
                    key.parent.rmdir()
            with self._lock:
                self._forget(key)


@dataclass
class _FilePart:
    number: int
    size: int = 0
    refused: bool = False


class _Malformed(Exception):
    """The body is not multipart as declared, or a part's headers are too long."""


class UploadFilter:
    """One upload's multipart body, rewritten as it streams so that it keeps within the caps.

    Pass each chunk of the body through :meth:`feed`, then :meth:`finish`, and
    send on what they return. File parts of the field gradio reads pass
    through while they keep within the caps; other parts are dropped (gradio
    would write their files and never delete them). A file refused part-way
    keeps what was passed on before (:meth:`UploadQuota.settle` empties it);
    one refused before its first byte gets a random word as content, so that
    its stand-in, named by the hash of its content, is its own.

    Args:
        boundary: the body's multipart boundary.
        limits: the caps per file and per upload.
        take: reserves bytes with the quota; returns why not, if they do not fit.

    Attributes:
        refused: each refused file's position among the upload's files, and why.
        taken: the bytes reserved with the quota.
    """

    def __init__(
        self, boundary: bytes, limits: ServiceLimits, take: Callable[[int], str | None]
    ) -> None:
        self.limits = limits
        self.refused: dict[int, str] = {}
        self.taken = 0
        self._take = take
        self._delimiter = b"--" + boundary
        self._out = bytearray()
        self._files = 0
        self._upload_bytes = 0
        self._part: _FilePart | None = None
        self._headers: list[tuple[bytes, bytes]] = []
        self._field = bytearray()
        self._value = bytearray()
        self._header_bytes = 0
        self._done = False
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_end": self._close,
            },
        )

    def feed(self, chunk: bytes) -> bytes:
        """The part of the rewritten body that ``chunk`` completes."""
        if not self._done:
            try:
                self._parser.write(chunk)
            except (MultipartParseError, _Malformed):
                self.cut_short("the upload is not a well-formed form")
        return self._flush()

    def finish(self) -> bytes:
        """The rest of the rewritten body, once the request's body has all arrived."""
        if not self._done:
            with contextlib.suppress(MultipartParseError):
                self._parser.finalize()
            self.cut_short("the upload ended in the middle of this file")
        return self._flush()

    def cut_short(self, reason: str) -> bytes:
        """End the body here: a file under way is refused with ``reason``."""
        if self._part is not None and not self._part.refused:
            self._refuse(self._part, reason)
        self._close()
        return self._flush()

    def _flush(self) -> bytes:
        out = bytes(self._out)
        self._out.clear()
        return out

    def _charge(self, count: int) -> str | None:
        reason = self._take(count)
        if reason is None:
            self.taken += count
        return reason

    def _refuse(self, part: _FilePart, reason: str) -> None:
        part.refused = True
        self.refused[part.number] = reason

    def _on_part_begin(self) -> None:
        self._headers = []
        self._header_bytes = 0

    def _count_header(self, count: int) -> None:
        self._header_bytes += count
        if self._header_bytes > MAX_PART_HEADER_BYTES:
            raise _Malformed

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers.append((bytes(self._field), bytes(self._value)))
        self._field.clear()
        self._value.clear()

    def _on_headers_finished(self) -> None:
        if self._done:
            return
        disposition = next(
            (value for field, value in self._headers if field.lower() == b"content-disposition"),
            b"",
        )
        _, options = parse_options_header(disposition)
        if options.get(b"name") != UPLOAD_FIELD or b"filename" not in options:
            return
        self._part = _FilePart(self._files)
        self._files += 1
        self._out += self._delimiter + b"\r\n"
        self._out += b"".join(field + b": " + value + b"\r\n" for field, value in self._headers)
        self._out += b"\r\n"
        if self._part.number >= self.limits.max_upload_files:
            self._refuse(
                self._part,
                f"more than {self.limits.max_upload_files} files in one upload: this one and "
                "any after it were not kept",
            )
            self._close()
        elif (reason := self._charge(FILE_OVERHEAD)) is not None:
            self._refuse(self._part, reason)

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        if part is None or part.refused or self._done:
            return
        count = end - start
        limits = self.limits
        if part.size + count > limits.max_file_bytes:
            reason = f"the file is over the {size_text(limits.max_file_bytes)} limit for one file"
        elif self._upload_bytes + count > limits.max_request_bytes:
            reason = (
                f"the upload comes to more than {size_text(limits.max_request_bytes)} with "
                "this file; send it in another upload"
            )
        else:
            reason = self._charge(count)
        if reason is not None:
            self._refuse(part, reason)
            return
        self._out += data[start:end]
        part.size += count
        self._upload_bytes += count

    def _on_part_end(self) -> None:
        part = self._part
        if part is None or self._done:
            return
        if part.refused and part.size == 0:
            self._out += secrets.token_hex(8).encode()
        self._out += b"\r\n"
        self._part = None

    def _close(self) -> None:
        if self._done:
            return
        self._on_part_end()
        self._out += self._delimiter + b"--\r\n"
        self._done = True
