"""The web app: check claims and paragraphs against your documents, in the browser.

``python -m app`` serves it (see :mod:`app.main` for the options); :mod:`app.ui`
lays out the page around one shared ``Verifier`` and :mod:`app.view` renders
what it shows. The app uses only the library's public names and holds no logic.
"""

from app import view
from app.main import DEFAULT_INDEX, load_verifier, main, parse_args
from app.state import GENERIC_ERROR, AppState, friendly
from app.ui import build_ui

__all__ = [
    "DEFAULT_INDEX",
    "GENERIC_ERROR",
    "AppState",
    "build_ui",
    "friendly",
    "load_verifier",
    "main",
    "parse_args",
    "view",
]
