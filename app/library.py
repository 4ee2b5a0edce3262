"""Named corpora: the one the app started with, and those made on the page since.

Each corpus is its own index: the first is the app's index folder (or Milvus
collection); every corpus made since lives in ``corpora/<folder>/`` beside
it, a ``corpus.json`` naming it and either an ``index/`` folder or, on a
Milvus store, a collection of its own (``<collection>_<folder>``). They share
the models and settings of the first, and are opened again on the next start.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import view
from verifier import Verifier, VerifierError
from verifier.retrieval import MilvusStore, VectorStore, open_store
from verifier.types import CorpusStats, IndexedSource

logger = logging.getLogger("app")

MAIN_CORPUS = "main"
"""The name of the corpus the app started with."""
MAX_CORPORA = 20
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _\-]{0,39}")
_SETTINGS = "corpus.json"


@dataclass
class Corpus:
    """One named corpus: its verifier, and the folder its index is saved to.

    ``index_dir`` is ``None`` for a store that lives where it was opened (a
    Milvus collection).
    """

    name: str
    verifier: Verifier
    index_dir: Path | None

    def save(self) -> None:
        self.verifier.save(self.index_dir)


def folder_name(name: str) -> str:
    """The folder a corpus name is kept in: lower case, a dash for each run of spaces."""
    return re.sub(r"[ _]+", "-", name.strip().lower())


def validate_corpus_name(name: object, taken: list[str]) -> str:
    """A new corpus's name, trimmed; raises ``ValueError`` saying what is wrong with it."""
    if not isinstance(name, str) or not _NAME.fullmatch(name.strip()):
        raise ValueError(
            "a corpus name is 1 to 40 letters, digits, spaces, dashes or underscores, "
            "starting with a letter or digit"
        )
    name = name.strip()
    if folder_name(name) in {folder_name(other) for other in taken}:
        raise ValueError(f"there is a corpus named {name!r} already")
    return name


class Library:
    """The corpora the page checks against, by name, in the order they were made.

    Args:
        main: the verifier the app started with.
        index_dir: where its index is saved; new corpora go in ``corpora/`` beside it.
    """

    def __init__(self, main: Verifier, index_dir: Path) -> None:
        self.folder = Path(index_dir).parent / "corpora"
        self._main = main
        self._lock = threading.Lock()
        self._milvus = isinstance(main.index, MilvusStore)
        main_dir = None if self._milvus else Path(index_dir)
        self._corpora = {MAIN_CORPUS: Corpus(MAIN_CORPUS, main, main_dir)}
        self._open_saved()

    def names(self) -> list[str]:
        with self._lock:
            return list(self._corpora)

    def get(self, name: str | None) -> Corpus:
        """The corpus called ``name`` (``None`` or empty: the main one).

        Raises:
            ValueError: there is no corpus of that name.
        """
        with self._lock:
            corpus = self._corpora.get(name or MAIN_CORPUS)
        if corpus is None:
            raise ValueError(f"there is no corpus named {name!r}; choose one from the list")
        return corpus

    def create(self, name: object) -> Corpus:
        """Make an empty corpus called ``name`` and save it, so that it is there after a restart.

        Raises:
            ValueError: the name is not valid or taken, or there are ``MAX_CORPORA`` already.
        """
        with self._lock:
            taken = list(self._corpora)
            if len(taken) >= MAX_CORPORA:
                raise ValueError(f"there are {MAX_CORPORA} corpora already, the most there may be")
            name = validate_corpus_name(name, taken)
            folder = self.folder / folder_name(name)
            settings: dict[str, Any] = {"name": name}
            if self._milvus:
                settings["collection"] = f"{self._main.index.collection}_{folder.name}".replace(
                    "-", "_"
                )
            folder.mkdir(parents=True, exist_ok=True)
            corpus = self._open(settings, folder)
            (folder / _SETTINGS).write_text(json.dumps(settings), encoding="utf-8")
            corpus.save()
            self._corpora[name] = corpus
        logger.info("made the corpus %r in %s", name, folder)
        return corpus

    def _open(self, settings: dict[str, Any], folder: Path) -> Corpus:
        """The corpus ``settings`` describe: its index folder in ``folder``, or its collection."""
        main = self._main
        if self._milvus:
            store: VectorStore = open_store(
                main.index.uri,
                kind="milvus",
                dimension=main.index.dimension,
                embedder_id=main.index.embedder_id,
                collection=str(settings["collection"]),
            )
            index_dir = None
        else:
            index_dir = folder / "index"
            store = open_store(
                index_dir,
                kind="faiss",
                dimension=main.index.dimension,
                embedder_id=main.index.embedder_id,
            )
        verifier = Verifier(
            store,
            embedder=main.embedder,
            judge=main.judge,
            config=main.config,
            decider=main.decider,
        )
        return Corpus(str(settings["name"]), verifier, index_dir)

    def _open_saved(self) -> None:
        """Open the corpora made before; one that cannot be opened is logged and left out."""
        if not self.folder.is_dir():
            return
        for settings_file in sorted(self.folder.glob(f"*/{_SETTINGS}")):
            try:
                settings = json.loads(settings_file.read_text(encoding="utf-8"))
                settings["name"] = validate_corpus_name(settings.get("name"), list(self._corpora))
                corpus = self._open(settings, settings_file.parent)
            except (OSError, ValueError, AttributeError, KeyError, VerifierError) as error:
                logger.warning("left out the corpus in %s: %s", settings_file.parent, error)
                continue
            self._corpora[corpus.name] = corpus


def documents_markdown(sources: tuple[IndexedSource, ...]) -> str:
    """A table of the loaded documents and who added each."""
    if not sources:
        return "No documents are loaded in this corpus yet: upload some below."
    rows = [
        f"| {view.markdown_text(shown_name(source.name))} | "
        f"{'uploaded' if source.uploaded else 'came with the server'} |"
        for source in sources
    ]
    return "\n".join(["| Document | Added |", "|---|---|", *rows])


def shown_name(source: str) -> str:
    """How a source is named on the page: its file name, never the folders above it."""
    return Path(source).name or source


def removable(sources: tuple[IndexedSource, ...]) -> list[tuple[str, str]]:
    """The uploaded documents, as (shown name, source) choices for the remove list."""
    return [(shown_name(source.name), source.name) for source in sources if source.uploaded]


def checking_against(name: str, stats: CorpusStats) -> str:
    """One line for the claim tab: the corpus's name and what it holds."""
    return (
        f"Checking against **{view.markdown_text(name)}**: {stats.documents} "
        f"document{'' if stats.documents == 1 else 's'}, {stats.passages} "
        f"passage{'' if stats.passages == 1 else 's'}."
    )
