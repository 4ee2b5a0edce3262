"""The page served on 127.0.0.1 as ``app.main`` serves it, and the raw requests tests send.

Set ``GRADIO_TEMP_DIR`` (``monkeypatch.setenv``) before making the state, so
the upload folder is the test's own.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gradio as gr

from app.main import serve
from app.state import AppState
from app.throttle import LoginThrottle
from app.ui import build_ui


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(
    state: AppState,
    logins: Sequence[tuple[str, str]] = (),
    throttle: LoginThrottle | None = None,
) -> Iterator[tuple[gr.Blocks, str]]:
    """The page around ``state``, served until the block ends: (page, base URL)."""
    page = build_ui(state, [])
    page.queue()
    port = free_port()
    serve(
        page,
        state,
        logins,
        throttle=throttle,
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
    )
    try:
        yield page, f"http://127.0.0.1:{port}"
    finally:
        page.close()


def send(request: urllib.request.Request, timeout: float = 10) -> tuple[int, bytes, Any]:
    """(status, body, headers) of a request; an HTTP error is an answer too."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, reply.read(), reply.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def upload(base: str, files: Sequence[tuple[str, bytes]], cookie: str = "") -> tuple[int, Any]:
    """POST files to gradio's upload endpoint as its client does: (status, the JSON answer)."""
    boundary = uuid.uuid4().hex
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
        for name, data in files
    )
    body += f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{base}/gradio_api/upload",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": cookie},
    )
    try:
        status, reply, _ = send(request)
    except OSError:  # refused before its body was read, and the connection closed
        return 0, None
    try:
        return status, json.loads(reply)
    except ValueError:
        return status, reply.decode("utf-8", "replace")


def login(base: str, user: str, password: str) -> tuple[int, str, Any]:
    """POST the login form as the page does: (status, the cookies to send back, headers)."""
    boundary = uuid.uuid4().hex
    body = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in (("username", user), ("password", password))
    )
    request = urllib.request.Request(
        f"{base}/login",
        data=(body + f"--{boundary}--\r\n").encode(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    status, _, headers = send(request)
    cookies = "; ".join(value.split(";", 1)[0] for value in (headers.get_all("set-cookie") or []))
    return status, cookies, headers


def disk_bytes(folder: Path) -> int:
    """The bytes of every file under ``folder``."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
