"""BM25 over the passages' words: the lexical ranking beside the dense one.

Sentence embeddings blur what a fact checker needs most: names, figures and
rare words. BM25 ranks by exactly those, so the pipeline fuses both lists
(:mod:`verifier.retrieval.fusion`). The index is ``bm25s`` (Lucene's BM25
over scipy-free sparse arrays), saved as plain ``.npy`` and JSON files, never
pickle.

A passage is indexed with its document's title before its text
(:func:`lexical_text`): a claim often names the topic a title names (the
README's retrieval section measures it).

Tokens (:func:`tokenize`): lower-cased words, each stemmed by the Snowball
English stemmer (PyStemmer), with the English stop words of ``bm25s`` left
out; a number keeps its separators (``1.2``, ``50,000``, ``9/11``, ``10:30``)
so a figure matches only itself, and a single digit counts as a word while a
single letter does not.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from verifier.errors import IndexFormatError
from verifier.types import Passage

logger = logging.getLogger(__name__)

TOKENIZER = "title-words-numbers-snowball-en-v1"
"""Recorded with a saved index: an index tokenised otherwise is not read."""

SETTINGS_FILE = "lexical.json"
"""Always written (an index of no passages has no BM25 arrays): marks a saved lexical index."""
_BM25_FILES = (
    "data.csc.index.npy",
    "indices.csc.index.npy",
    "indptr.csc.index.npy",
    "vocab.index.json",
    "params.index.json",
)
FILES = (SETTINGS_FILE, *_BM25_FILES)
"""The files a saved lexical index holds, in its own folder."""

# A number with its separators first, then any other run of letters and digits ("mh17").
_TOKEN = re.compile(r"\d+(?:[.,:/]\d+)*|\w+")


def _stop_words() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS)


_STOP_WORDS: frozenset[str] | None = None


def lexical_text(passage: Passage) -> str:
    """What BM25 indexes of a passage: its document's title, then its text."""
    return f"{passage.title}. {passage.text}" if passage.title else passage.text


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Each text's BM25 tokens: stemmed words and whole numbers, stop words left out.

    Example:
        >>> tokenize(["Syrskyi said 1.2 million drones were launched in 2024."])
        [['syrskyi', 'said', '1.2', 'million', 'drone', 'launch', '2024']]
    """
    global _STOP_WORDS
    if _STOP_WORDS is None:
        _STOP_WORDS = _stop_words()
    import Stemmer

    stop_words = _STOP_WORDS
    raw = [
        [
            word
            for word in _TOKEN.findall(text.lower())
            if word not in stop_words and (len(word) > 1 or word.isdigit())
        ]
        for text in texts
    ]
    words = sorted({word for row in raw for word in row if not word[0].isdigit()})
    # One stemmer per call: PyStemmer objects are not safe to share between threads.
    stems = dict(zip(words, Stemmer.Stemmer("english").stemWords(words), strict=True))
    return [[stems.get(word, word) for word in row] for row in raw]


class LexicalIndex:
    """BM25 scores of the passages' tokens, by passage position.

    Build one with :meth:`build` and grow it with :meth:`add`: each passage
    is tokenised once, when it comes, and its tokens are kept. BM25's
    statistics are corpus-wide, so the score arrays are fitted again over all
    the kept tokens, but only once, at the next search or save, however many
    adds came before it. An index read from disk has no tokens kept; a store
    builds it again over its passages before it grows (:attr:`can_grow`).

    Example:
        >>> index = LexicalIndex.build(["Kyiv said 145 drones flew.", "Rain fell in Paris."])
        >>> index.search(["How many drones did Kyiv count?"], 5)[0][0][0]
        0
    """

    def __init__(
        self, bm25: object | None, count: int, tokens: list[list[str]] | None = None
    ) -> None:
        self._bm25 = bm25
        self._count = count
        self._tokens = tokens
        self._fitted = True

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        """Index ``texts`` (passage ``i`` is ``texts[i]``)."""
        index = cls(None, 0, [])
        index.add(texts)
        return index

    @property
    def can_grow(self) -> bool:
        """Whether :meth:`add` works: the index was built here, not read from disk."""
        return self._tokens is not None

    def add(self, texts: Sequence[str]) -> None:
        """Index ``texts`` as the next passages, tokenising only them.

        Raises:
            ValueError: the index was read from disk (:attr:`can_grow` is false).
        """
        if self._tokens is None:
            raise ValueError("an index read from disk keeps no tokens: build it over all passages")
        if not texts:
            return
        self._tokens.extend(tokenize(texts))
        self._count += len(texts)
        self._fitted = False

    def _fit(self) -> None:
        """Fit the BM25 arrays to the kept tokens, if an add came since the last fit."""
        if self._fitted or self._tokens is None:
            return
        if not any(self._tokens):
            # No word to index (no passage, or only numbers-free symbols): every search is empty.
            self._bm25 = None
        else:
            import bm25s

            self._bm25 = bm25s.BM25()
            self._bm25.index(self._tokens, show_progress=False)
        self._fitted = True

    def __len__(self) -> int:
        return self._count

    def search(self, texts: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        """Each text's ``k`` best passages as (position, BM25 score), best first.

        Only passages sharing a token with the text are hits, so a list may be
        shorter than ``k`` (empty when nothing matches).
        """
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self._fit()
        if self._bm25 is None:
            return [[] for _ in texts]
        return [
            _best(self._bm25, self._bm25.get_tokens_ids(tokens), k)  # type: ignore[attr-defined]
            for tokens in tokenize(texts)
        ]

    def save(self, folder: Path) -> None:
        """Write the index's files (:data:`FILES`) into ``folder``, which must exist."""
        self._fit()
        settings = {
            "tokenizer": TOKENIZER,
            "passages": self._count,
            "indexed": self._bm25 is not None,
        }
        if self._bm25 is not None:
            self._bm25.save(str(folder), show_progress=False)  # type: ignore[attr-defined]
        (folder / SETTINGS_FILE).write_text(json.dumps(settings), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, count: int) -> LexicalIndex | None:
        """Read an index saved by :meth:`save` for ``count`` passages.

        Returns ``None``, after one log line, if it was tokenised otherwise:
        the store then searches by vector alone until it is indexed again.

        Raises:
            IndexFormatError: the files are corrupt or hold another number of passages.
        """
        try:
            settings = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
            tokenizer, passages = settings["tokenizer"], settings["passages"]
        except (OSError, ValueError, TypeError, KeyError) as error:
            raise IndexFormatError(f"lexical index at {folder} is corrupt: {error}") from error
        if tokenizer != TOKENIZER:
            logger.info(
                "the lexical index at %s was tokenised by %r, this version uses %r: "
                "retrieval is dense only until the corpus is indexed again",
                folder,
                tokenizer,
                TOKENIZER,
            )
            return None
        if passages != count:
            raise IndexFormatError(
                f"lexical index at {folder} covers {passages} passages, the index holds {count}"
            )
        if count == 0 or not settings.get("indexed", True):
            return cls(None, count)
        import bm25s

        try:
            bm25 = bm25s.BM25.load(str(folder), show_progress=False)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise IndexFormatError(f"lexical index at {folder} is corrupt: {error}") from error
        if bm25.scores["num_docs"] != count:
            raise IndexFormatError(
                f"lexical index at {folder} scores {bm25.scores['num_docs']} passages, "
                f"the index holds {count}"
            )
        return cls(bm25, count)


def _best(bm25: object, token_ids: list[int], k: int) -> list[tuple[int, float]]:
    """The ``k`` passages with the highest BM25 scores for ``token_ids``, ties by position.

    Only the passages that hold a query token are ranked, never the whole
    corpus: at 1M passages a claim's tokens touch about 56k, and a partition
    of all 1M scores cost 15 times the scoring itself. Each passage appears in
    a token's posting list at most once, so its score is a plain sum over the
    lists, and it appears at most ``len(token_ids)`` times among them: the
    best ``k * len(token_ids)`` entries (and any tied with the last) hold the
    best ``k`` passages.
    """
    if not token_ids:
        return []
    arrays = bm25.scores  # type: ignore[attr-defined]
    data, indices, indptr = arrays["data"], arrays["indices"], arrays["indptr"]
    scores = np.zeros(arrays["num_docs"], dtype=np.float32)
    postings = []
    for token in token_ids:
        rows = indices[indptr[token] : indptr[token + 1]]
        scores[rows] += data[indptr[token] : indptr[token + 1]]
        postings.append(rows)
    touched = np.concatenate(postings)
    enough = k * len(token_ids)
    if len(touched) > enough:
        # Everything scoring as high as the last of those, so that ties go by position.
        values = scores[touched]
        touched = touched[values >= -np.partition(-values, enough - 1)[enough - 1]]
    found = np.unique(touched)
    found = found[np.lexsort((found, -scores[found]))][:k]
    return [(int(i), float(scores[i])) for i in found if scores[i] > 0]
