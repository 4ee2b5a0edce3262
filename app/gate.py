"""What reaches gradio: throttled logins, a login for the heartbeat, and capped uploads.

:class:`Gate` is ASGI middleware in front of gradio's routes (``app.main``
installs it through ``launch(app_kwargs=...)``):

- ``POST /login``: an attempt from a client address, or for a user name, that
  must still wait after failed logins (:class:`~app.throttle.LoginThrottle`)
  is answered 429 with ``Retry-After`` and never reaches the password check.
  Each failed login is logged with the address and the name (the refused
  ones only at debug level: they come as fast as an attacker sends them).
- ``/gradio_api/heartbeat/…``: on a page with logins, 401 without one; gradio
  would hold the stream open for anyone.
- ``POST /gradio_api/upload``: the body streams through an
  :class:`~app.uploads.UploadFilter`, and the files gradio kept are settled
  with the :class:`~app.uploads.UploadQuota`. Multipart bodies to any other
  route are refused (415): gradio writes their files to disk too.

The uploader a quota counts is the login, or the client address on a page
without logins (gradio's upload requests carry no session).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Awaitable, Callable, MutableMapping
from functools import partial
from typing import Any

from python_multipart.multipart import parse_options_header
from starlette.requests import Request, cookie_parser
from starlette.responses import JSONResponse

from app.throttle import LoginThrottle
from app.uploads import UploadFilter, UploadQuota

logger = logging.getLogger("app")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

LOGIN_PATHS = ("/login", "/login/")
UPLOAD_PATH = "/gradio_api/upload"
HEARTBEAT_PREFIX = "/gradio_api/heartbeat/"
MAX_LOGIN_BODY_BYTES = 16 * 1024


def current_user(scope: Scope) -> str | None:
    """The user logged in on this request, found as gradio's own routes find them."""
    app = scope.get("app")
    cookie_id = getattr(app, "cookie_id", None)
    if cookie_id is None:
        return None
    cookies = cookie_parser(_header(scope, b"cookie").decode("latin-1"))
    token = cookies.get(f"access-token-{cookie_id}") or cookies.get(
        f"access-token-unsecure-{cookie_id}"
    )
    return app.tokens.get(token) if token else None


def logins_required(scope: Scope) -> bool:
    return getattr(scope.get("app"), "auth", None) is not None


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _header(scope: Scope, name: bytes) -> bytes:
    return next((value for key, value in scope["headers"] if key.lower() == name), b"")


def _multipart_boundary(scope: Scope) -> bytes | None:
    kind, options = parse_options_header(_header(scope, b"content-type"))
    return options.get(b"boundary") if kind == b"multipart/form-data" else None


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, detail: str, **headers: str
) -> None:
    await JSONResponse({"detail": detail}, status_code=status, headers=headers)(
        scope, receive, send
    )


class Gate:
    """ASGI middleware: throttled logins, a login for the heartbeat, capped uploads.

    Args:
        app: the ASGI app behind it (gradio's).
        uploads: the upload accounts the Corpus tab also reads.
        logins: the failed-login counts.
    """

    def __init__(
        self, app: Callable[..., Awaitable[None]], *, uploads: UploadQuota, logins: LoginThrottle
    ) -> None:
        self.app = app
        self.uploads = uploads
        self.logins = logins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        if method == "POST" and path in LOGIN_PATHS:
            if logins_required(scope):
                await self._login(scope, receive, send)
            else:
                await self.app(scope, receive, send)  # gradio redirects to the page
        elif (
            path.startswith(HEARTBEAT_PREFIX)
            and logins_required(scope)
            and current_user(scope) is None
        ):
            await _refuse(scope, receive, send, 401, "Not authenticated")
        elif method == "POST" and _multipart_boundary(scope) is not None:
            if path.rstrip("/") == UPLOAD_PATH:
                await self._upload(scope, receive, send)
            else:
                await _refuse(scope, receive, send, 415, f"files are uploaded to {UPLOAD_PATH}")
        else:
            await self.app(scope, receive, send)

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_LOGIN_BODY_BYTES:
                await _refuse(scope, receive, send, 413, "the login form is too large")
                return
        user = await _form_user(scope, bytes(body))
        address = client_address(scope)
        wait = self.logins.attempt(address, user)
        if wait > 0:
            logger.debug("refused a login for %r from %s: %.0f s to wait", user[:64], address, wait)
            await _refuse(
                scope,
                receive,
                send,
                429,
                f"too many failed logins; try again in {math.ceil(wait)} s",
                **{"Retry-After": str(math.ceil(wait))},
            )
            return
        status = await _forward(self.app, scope, _replay(bytes(body), receive), send)
        if status == 200:
            self.logins.succeeded(address, user)
        else:
            logger.warning(
                "failed login for %r from %s (%d in a row; the next attempt waits %.0f s)",
                user[:64],
                address,
                self.logins.failures(address, user),
                self.logins.wait_s(address, user),
            )

    async def _upload(self, scope: Scope, receive: Receive, send: Send) -> None:
        user = current_user(scope)
        if user is None and logins_required(scope):
            await self.app(scope, receive, send)  # gradio refuses it before reading the body
            return
        uploader = user if user is not None else client_address(scope)
        await asyncio.to_thread(self.uploads.refresh)  # a walk of the folder: off the loop
        full = self.uploads.full(uploader)
        if full is not None:
            logger.info("refused an upload by %s: %s", uploader, full)
            await _refuse(scope, receive, send, 413, full)
            return
        upload = UploadFilter(
            _multipart_boundary(scope) or b"",
            self.uploads.limits,
            partial(self.uploads.take, uploader),
        )
        finished = False

        async def filtered() -> Message:
            # Gradio reads the rewritten body; the client's is read to its end, and what the
            # filter no longer passes on is dropped as it comes, never written.
            nonlocal finished
            if finished:
                return await receive()  # after the body: a disconnect, when it comes
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    finished = True
                    body = upload.cut_short("the connection closed during the upload")
                else:
                    body = upload.feed(message.get("body", b""))
                    if not message.get("more_body", False):
                        finished = True
                        body += upload.finish()
                if body or finished:
                    return {"type": "http.request", "body": body, "more_body": not finished}

        reply = bytearray()
        status = 0
        settled = False

        def settle() -> None:
            nonlocal settled
            if settled:
                return
            settled = True
            paths = _paths(reply) if status == 200 else []
            self.uploads.settle(uploader, upload.taken, paths, upload.refused)
            if upload.refused:
                logger.info(
                    "refused %d of the %d files of an upload by %s: %s",
                    len(upload.refused),
                    len(paths),
                    uploader,
                    "; ".join(sorted(set(upload.refused.values()))),
                )

        async def settle_then_send(message: Message) -> None:
            # Settled before the reply's last byte leaves: a client that has the paths
            # finds the refused files already marked.
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                reply.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    settle()
            await send(message)

        # The rewritten body has another length; gradio reads the stream to its end.
        headers = [
            (key, value) for key, value in scope["headers"] if key.lower() != b"content-length"
        ]
        try:
            await self.app({**scope, "headers": headers}, filtered, settle_then_send)
        finally:
            settle()  # without a reply, the reserved bytes are released all the same


def _paths(reply: bytes | bytearray) -> list[str]:
    """The paths gradio's upload route answers with, in upload order."""
    try:
        return [str(path) for path in json.loads(bytes(reply))]
    except (ValueError, TypeError):
        logger.warning("gradio's upload reply is not a list of paths: %r", bytes(reply[:200]))
        return []


def _replay(body: bytes, then: Receive) -> Receive:
    """A ``receive`` that gives ``body`` as one message, then waits on ``then``."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await then()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _form_user(scope: Scope, body: bytes) -> str:
    """The user name a login form gives, stripped as gradio strips it ("" if none)."""

    async def nothing_more() -> Message:
        return {"type": "http.disconnect"}

    try:
        async with Request(scope, _replay(body, nothing_more)).form() as form:
            return str(form.get("username") or "").strip()
    except Exception:  # noqa: BLE001 - a malformed form: gradio answers it, no password checked
        return ""


async def _forward(
    app: Callable[..., Awaitable[None]], scope: Scope, receive: Receive, send: Send
) -> int:
    """Run ``app`` on the request and return the status it answered with."""
    status = 0

    async def keep_status(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        await send(message)

    await app(scope, receive, keep_status)
    return status
