"""Upload storage: the caps act as the bytes arrive, and uploaded files go once indexed.

The filter and the quota are tested on their own; the served tests send
files straight to gradio's upload endpoint, as a script would.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from python_multipart.multipart import MultipartParser

from app.policy import ServiceLimits
from app.uploads import FILE_OVERHEAD, UploadFilter, UploadQuota
from tests.app.served import disk_bytes, login, serving, upload
from tests.app.test_security import make_state

BOUNDARY = b"b0undary"
GOOD = b"The night ferry starts on the first of June, the harbour office said."
ALSO = b"The harbour office moved to the old customs house in March."


def form(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    """A multipart body: (field, file name or None, content) per part."""
    body = b""
    for field, filename, data in parts:
        disposition = f'form-data; name="{field}"' + (
            f'; filename="{filename}"' if filename else ""
        )
        body += b"--" + BOUNDARY + f"\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += data + b"\r\n"
    return body + b"--" + BOUNDARY + b"--\r\n"


def through(body: bytes, limits: ServiceLimits, room: int = 10**9, seed: int = 0):
    """Stream ``body`` through a filter in random chunks: (filter, the parts it passed on)."""
    taken = [0]

    def take(count: int) -> str | None:
        if taken[0] + count > room:
            return "no room"
        taken[0] += count
        return None

    upload_filter = UploadFilter(BOUNDARY, limits, take)
    chunks = random.Random(seed)
    out, start = b"", 0
    while start < len(body):
        size = chunks.randint(1, 64)
        out += upload_filter.feed(body[start : start + size])
        start += size
    out += upload_filter.finish()
    parts: list[list[bytes]] = []
    parser = MultipartParser(
        BOUNDARY,
        {
            "on_part_begin": lambda: parts.append([b"", b""]),
            "on_header_value": lambda data, a, b: parts[-1].__setitem__(
                0, parts[-1][0] + data[a:b]
            ),
            "on_part_data": lambda data, a, b: parts[-1].__setitem__(1, parts[-1][1] + data[a:b]),
        },
    )
    parser.write(out)
    parser.finalize()
    return upload_filter, parts


def test_files_within_the_caps_pass_byte_for_byte_and_other_fields_are_dropped():
    body = form([("files", "a.txt", GOOD), ("note", None, b"hi"), ("files", "b.txt", ALSO)])
    upload_filter, parts = through(body, ServiceLimits())
    assert [data for _, data in parts] == [GOOD, ALSO]
    assert b'filename="b.txt"' in parts[1][0]
    assert upload_filter.refused == {}
    assert upload_filter.taken == len(GOOD) + len(ALSO) + 2 * FILE_OVERHEAD


def test_a_file_over_a_cap_is_refused_alone_and_keeps_its_place():
    limits = ServiceLimits(max_file_bytes=100)
    body = form(
        [("files", "a.txt", GOOD), ("files", "big.txt", b"x" * 500), ("files", "b.txt", ALSO)]
    )
    upload_filter, parts = through(body, limits)
    assert list(upload_filter.refused) == [1]
    assert "over the 100 bytes limit" in upload_filter.refused[1]
    assert parts[0][1] == GOOD and parts[2][1] == ALSO
    assert len(parts[1][1]) <= 100


def test_files_past_the_count_or_the_room_are_refused():
    limits = ServiceLimits(max_upload_files=2)
    body = form([("files", f"{n}.txt", GOOD) for n in range(5)])
    upload_filter, parts = through(body, limits)
    assert len(parts) == 3 and list(upload_filter.refused) == [2]
    assert "more than 2 files" in upload_filter.refused[2]
    upload_filter, parts = through(body, ServiceLimits(), room=2 * (FILE_OVERHEAD + len(GOOD)))
    assert sorted(upload_filter.refused) == [2, 3, 4] and len(parts) == 5
    assert {reason for reason in upload_filter.refused.values()} == {"no room"}


def test_a_body_cut_off_refuses_the_file_under_way():
    body = form([("files", "a.txt", GOOD), ("files", "b.txt", ALSO)])
    upload_filter, parts = through(body[: len(body) - 30], ServiceLimits())
    assert parts[0][1] == GOOD and list(upload_filter.refused) == [1]


def test_the_quota_counts_what_each_uploader_holds_and_forgets_deleted_files(tmp_path):
    folder = tmp_path / "gradio"
    folder.mkdir()
    quota = UploadQuota(
        folder, ServiceLimits(max_uploader_bytes=6000, max_upload_space_bytes=11_000)
    )
    quota.refresh()
    assert quota.take("ann", 5000) is None
    (folder / "h1").mkdir()
    kept = folder / "h1" / "kept.txt"
    kept.write_bytes(b"k" * 1000)
    quota.settle("ann", 5000, [str(kept)], {})
    assert "waiting on the server" in quota.take("ann", 1000)
    assert quota.take("bob", 5000) is None
    assert "full" in quota.take("cy", 1000)
    quota.settle("bob", 5000, [], {})
    outside = tmp_path / "outside.txt"
    outside.write_text("not an upload")
    quota.discard([kept, outside])
    assert not kept.exists() and not (folder / "h1").exists() and outside.exists()
    assert quota.take("ann", 6000) is None
    quota.settle("ann", 6000, [str(outside)], {})

    (folder / "h2").mkdir()
    gone = folder / "h2" / "gone.txt"
    gone.write_bytes(b"g" * 1000)
    quota.settle("ann", 0, [str(gone)], {0: "refused for the test"})
    assert gone.stat().st_size == 0 and quota.refusal(gone) == "refused for the test"
    gone.unlink()  # as gradio's hourly clean-up does
    quota.refresh()
    assert quota.refusal(gone) is None and quota.take("ann", 6000) is None


@pytest.fixture
def upload_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "gradio"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(folder))
    return folder


def test_many_files_sent_straight_to_the_endpoint_keep_the_disk_use_bounded(
    tmp_path, upload_folder
):
    per_uploader, space = 300_000, 700_000
    state = make_state(
        tmp_path,
        max_file_bytes=50_000,
        max_request_bytes=150_000,
        max_uploader_bytes=per_uploader,
        max_upload_space_bytes=space,
    )
    users = [("ann", "pw-a"), ("bob", "pw-b"), ("cy", "pw-c"), ("dee", "pw-d")]
    sent = 0
    statuses = set()
    with serving(state, users) as (page, base):
        for user, password in users:
            cookie = login(base, user, password)[1]
            for number in range(25):
                files = [
                    (
                        f"{user}-{number}-{n}.txt",
                        f"Note {n} of {user}'s upload {number}. ".encode() * 1000,
                    )
                    for n in range(4)
                ]
                sent += sum(len(data) for _, data in files)
                status, paths = upload(base, files, cookie)
                statuses.add(status)
                if user == "ann" and number == 0:
                    first = paths
            if user == "ann":
                assert 150_000 < disk_bytes(upload_folder) <= per_uploader
        held = disk_bytes(upload_folder)
        assert sent > 10_000_000 and per_uploader < held <= space
        assert {200, 413} <= statuses
        assert sum(1 for _ in upload_folder.rglob("*")) < 2 * 150

        # Indexing (or refusing) deletes the files; the room is free again.
        fns = {function.name: function.fn for function in page.fns.values()}
        *_, message = fns["upload_files"](first, None)
        assert "Indexed 4 new documents" in message
        assert not any(Path(path).exists() for path in first)
        assert disk_bytes(upload_folder) < held


def test_one_file_over_the_cap_is_refused_alone_and_the_others_indexed(tmp_path, upload_folder):
    state = make_state(tmp_path, max_file_bytes=1000)
    with serving(state) as (page, base):
        status, paths = upload(
            base, [("good.txt", GOOD), ("big.txt", b"x" * 30_000), ("also.txt", ALSO)]
        )
        assert status == 200 and len(paths) == 3
        fns = {function.name: function.fn for function in page.fns.values()}
        stats, report, session, cleared, message = fns["upload_files"](paths, None)
    assert "Indexed 2 new documents" in message and "1 file could not be indexed" in message
    assert "big\\.txt" in report and "over the 1000 bytes limit for one file" in report
    assert {"good.txt", "also.txt"} <= set(session.verifier.stats.sources)
    assert cleared is None and disk_bytes(upload_folder) == 0
