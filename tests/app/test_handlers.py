"""The app's glue without a browser: error handling and command-line options."""

from __future__ import annotations

import logging
from pathlib import Path

import app
from verifier.errors import CorpusError


def test_a_verifier_error_shows_its_own_message_and_clears_the_outputs():
    def refuse() -> tuple[str, str]:
        raise CorpusError("corpus path does not exist: /nowhere")

    assert app.friendly(refuse, ("",))() == (
        "",
        app.view.message_html("corpus path does not exist: /nowhere"),
    )


def test_an_unexpected_error_is_logged_and_shown_as_a_generic_message(caplog):
    def crash() -> tuple[str, str]:
        raise RuntimeError("secret internals")

    with caplog.at_level(logging.ERROR, logger="app"):
        cleared, message = app.friendly(crash, (None,))()
    assert cleared is None
    assert app.GENERIC_ERROR in message and "secret internals" not in message
    assert "secret internals" in caplog.text


def test_a_handler_that_succeeds_is_untouched():
    assert app.friendly(lambda x: (x, ""), ("",))(5) == (5, "")


def test_defaults_open_the_saved_index_on_localhost():
    args = app.parse_args([])
    assert args.corpus is None
    assert args.index == app.DEFAULT_INDEX
    assert (args.host, args.port) == ("127.0.0.1", 7860)
    custom = app.parse_args(["--index", "x", "--nli-model", "m", "--port", "9000"])
    assert (custom.index, custom.nli_model, custom.port) == (Path("x"), "m", 9000)
