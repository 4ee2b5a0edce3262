"""The pipeline that joins the stages: corpus, retrieval, judging and decision.

``Verifier`` is the object to keep for repeated use; ``verify()`` is the
one-call front door, which reuses the index built for a corpus as long as the
corpus content is unchanged.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypedDict, Unpack

import numpy as np

from verifier.claims import claim_text_problem, validate_claim
from verifier.config import VerifierConfig, validate_positive
from verifier.corpus import (
    MIN_PASSAGE_CHARS,
    CorpusInput,
    ReadResult,
    corpus_fingerprint,
    read_corpus,
    split_document,
    split_sentences,
    validate_corpus_input,
)
from verifier.decision import Decider, make_decider
from verifier.errors import CorpusError, IndexFormatError, InvalidClaimError, LimitError
from verifier.judging import Judge, NLIJudge
from verifier.progress import Progress, progress_callback
from verifier.registry import verdict_model_for
from verifier.retrieval import (
    BOTH,
    DENSE,
    DENSE_WEIGHT,
    FUSION_DEPTH,
    HYBRID,
    LEXICAL,
    Candidate,
    Embedder,
    FaissStore,
    LayeredStore,
    TextEncoder,
    VectorStore,
    fuse,
    open_store,
    recorded_embedder,
)
from verifier.text import leans_on_previous
from verifier.types import (
    ClaimSpan,
    CorpusStats,
    Document,
    Evidence,
    IndexedSource,
    JudgedPassage,
    LoadReport,
    Passage,
    RetrievedPassage,
    SkippedFile,
    Verdict,
)

logger = logging.getLogger(__name__)

# Passages embedded per step: large enough to sort by length, small next to the index.
_EMBEDDING_CHUNK = 2048


class BuildOptions(TypedDict, total=False):
    """The keyword arguments of :meth:`Verifier.open`, :meth:`~Verifier.from_corpus` and
    :meth:`~Verifier.from_passages`; each may be left out.

    Attributes:
        embedder: sentence embedder; ``None`` is the one a saved index records
            (all-MiniLM-L6-v2 or all-mpnet-base-v2), else the shipped all-MiniLM-L6-v2.
        judge: NLI judge; ``None`` is the project's shipped NLI model.
        config: the settings (top-k, retrieval, verdict model, limits).
        index_type: a new FAISS store's index; ``None`` picks by the corpus's size.
        progress: ``True`` for a progress bar, or a ``(done, total, stage)`` callback.
    """

    embedder: TextEncoder | None
    judge: Judge | None
    config: VerifierConfig | None
    index_type: str | None
    progress: Progress


class Verifier:
    """Checks claims against an indexed corpus.

    Args:
        index: the vector store to search.
        embedder: sentence embedder; defaults to the shipped all-MiniLM-L6-v2.
        judge: NLI judge; defaults to the project's shipped NLI model.
        config: the settings (top-k, retrieval, verdict model, limits).
        decider: the verdict rule; by default the fitted model ``config.verdict_model``
            names, or where it names none the one shipped for this embedder.

    Example:
        >>> verifier = Verifier.from_corpus("demo_corpus/")
        >>> verdict = verifier.verify("The library opened in 1998.")
        >>> verdict.label in {"SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO", "CONFLICTING"}
        True
    """

    def __init__(
        self,
        index: VectorStore,
        *,
        embedder: TextEncoder | None = None,
        judge: Judge | None = None,
        config: VerifierConfig | None = None,
        decider: Decider | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder if embedder is not None else Embedder()
        self.judge = judge if judge is not None else NLIJudge()
        self.config = config or VerifierConfig()
        self.decider = decider or self._fitted_decider(self.config)
        self._index_lock = threading.RLock()
        self._load_report = LoadReport(index.documents, len(index))
        self._skipped: tuple[SkippedFile, ...] = ()

    def with_config(self, config: VerifierConfig) -> Verifier:
        """A verifier with other settings over the same index, models and index lock."""
        other = copy.copy(self)
        other.config = config
        other.decider = self._fitted_decider(config)
        return other

    def _fitted_decider(self, config: VerifierConfig) -> Decider:
        """The verdict model ``config`` names, else the one fitted with this embedder's cosines."""
        verdict_model = config.verdict_model or verdict_model_for(self.embedder.model_id)
        return make_decider(verdict_model, self.judge.predict)

    def workspace(self) -> Verifier:
        """A private verifier over this one's index plus documents of its own.

        It searches this index and whatever is added to it; what is added stays
        in its own in-memory overlay, which nobody else sees and which is never
        saved. Both share one index lock, so this index may keep growing.
        """
        private = copy.copy(self)
        with self._index_lock:
            overlay = FaissStore(self.index.dimension, "flat", self.index.embedder_id)
            private.index = LayeredStore(self.index, overlay)
        private._load_report = LoadReport(private.index.documents, len(private.index))
        private._skipped = ()
        return private

    # ----------------------------------------------------------------- building
    @classmethod
    def open(
        cls,
        store: str | Path | VectorStore | None = None,
        corpus: CorpusInput | None = None,
        **options: Unpack[BuildOptions],
    ) -> Verifier:
        """Open a store, add ``corpus`` to it if one is given, and save what was added.

        Args:
            store: where the passages live: a URI (a FAISS index folder, a
                Milvus Lite ``.db`` file or ``milvus://host:port``; see
                :func:`~verifier.retrieval.open_store`), a store already open,
                or ``None`` for a new FAISS store in memory (never saved).
            corpus: files, folders or ``{name: text}`` to add.
            **options: the models, settings, index type and progress
                (:class:`BuildOptions`).

        Raises:
            IndexFormatError: the store is corrupt, or holds another embedder's vectors.
            TypeError: an option that :class:`BuildOptions` does not name.
        """
        unknown = sorted(options.keys() - BuildOptions.__optional_keys__)
        if unknown:
            known = sorted(BuildOptions.__optional_keys__)
            raise TypeError(f"unexpected keyword arguments {unknown}; the options are {known}")
        embedder = options.get("embedder")
        if embedder is None:
            # A saved index reopens with the embedder it was built with.
            recorded = recorded_embedder(store) if isinstance(store, (str, Path)) else None
            embedder = Embedder(recorded)
        index_type = options.get("index_type")
        if store is None or isinstance(store, (str, Path)):
            opened = (
                FaissStore(embedder.dimension, index_type, embedder.model_id)
                if store is None
                else open_store(
                    store,
                    dimension=embedder.dimension,
                    embedder_id=embedder.model_id,
                    index_type=index_type,
                    create=corpus is not None,
                )
            )
        else:
            opened = store
        if opened.embedder_id != embedder.model_id or opened.dimension != embedder.dimension:
            raise IndexFormatError(
                f"the store holds vectors of embedder {opened.embedder_id!r} "
                f"({opened.dimension} dimensions), but {embedder.model_id!r} "
                f"({embedder.dimension}) is in use"
            )
        verifier = cls(
            opened, embedder=embedder, judge=options.get("judge"), config=options.get("config")
        )
        if corpus is not None:
            verifier._add_read(read_corpus(corpus), options.get("progress", False))
            if store is not None:
                verifier.save()
        return verifier

    @classmethod
    def from_corpus(cls, corpus: CorpusInput, **options: Unpack[BuildOptions]) -> Verifier:
        """Read, split, embed and index a corpus (paths, or ``{name: text}``) in memory.

        ``options`` are :class:`BuildOptions`: ``index_type`` is the FAISS
        index (``None`` picks by the corpus's size). :meth:`save` writes it to
        a folder that :meth:`open` reads again.
        """
        return cls.open(None, corpus, **options)

    @classmethod
    def from_passages(
        cls, passages: Sequence[Passage], **options: Unpack[BuildOptions]
    ) -> Verifier:
        """Index passages that are already split (one evidence sentence each, say) in memory.

        ``options`` are :class:`BuildOptions`, as :meth:`from_corpus` takes them.
        """
        progress = options.pop("progress", False)
        verifier = cls.open(None, **options)
        verifier._index_passages(list(passages), progress)
        verifier._load_report = LoadReport(verifier.index.documents, len(passages))
        return verifier

    def save(self, location: str | Path | None = None) -> str:
        """Make the index durable; returns where it is (see :meth:`VectorStore.save`).

        A FAISS index is written atomically, so a crash mid-save leaves the
        previous one usable: to ``location``, or where it was opened.
        """
        with self._index_lock:
            return self.index.save(location)

    def _index_passages(self, passages: list[Passage], progress: Progress) -> None:
        """Embed passages a chunk at a time and hand the chunks to the store as they come."""
        step = progress_callback(progress, len(passages), "embedding passages")

        def chunks() -> Iterator[tuple[np.ndarray, list[Passage]]]:
            for offset in range(0, len(passages), _EMBEDDING_CHUNK):
                batch = passages[offset : offset + _EMBEDDING_CHUNK]
                yield self.embedder.encode([p.text for p in batch]), batch
                step(offset + len(batch))

        if passages:
            self.index.add_chunks(chunks(), len(passages), self._index_lock)

    def add(
        self,
        corpus: CorpusInput,
        *,
        progress: Progress = False,
        confine_to: Sequence[str | Path] | None = None,
        uploaded: bool = False,
    ) -> LoadReport:
        """Read more documents into the index; ``uploaded`` marks them as a user's (removable).

        A file whose content is indexed already, under its name or another
        (a copy, or the same file reached through another folder), is left
        out; a file whose content changed since it was indexed is reported as
        skipped (rebuild the index to replace it). With ``confine_to``, files
        whose real path lies outside those folders (reached through a link)
        are skipped.
        """
        roots = None if confine_to is None else [Path(root) for root in confine_to]
        read = read_corpus(corpus, confine_to=roots, require_documents=False, progress=progress)
        return self._add_read(read, progress, uploaded=uploaded)

    def remove(self, sources: Sequence[str]) -> int:
        """Take uploaded source files out of the index; returns the passages dropped.

        Save the index afterwards to make it last (:meth:`save`).

        Raises:
            ValueError: a source is not in the index, or came with the server
                (not uploaded).
        """
        with self._index_lock:
            for source in sources:
                if source not in self.index.files:
                    raise ValueError(f"{source} is not in the index")
                if source not in self.index.uploaded:
                    raise ValueError(f"{source} came with the server; only uploads are removed")
            dropped = self.index.remove(list(sources))
        logger.info("removed %d sources, %d passages", len(sources), dropped)
        return dropped

    def library(self) -> tuple[IndexedSource, ...]:
        """Every source file in the index, by name: its content hash and whether it was uploaded."""
        with self._index_lock:
            files = dict(self.index.files)
            uploaded = set(self.index.uploaded)
        return tuple(
            IndexedSource(name, digest, name in uploaded) for name, digest in sorted(files.items())
        )

    @staticmethod
    def _split(documents: Sequence[Document], progress: Progress) -> tuple[list[Passage], int]:
        """Every document's passages and the fragments dropped, reporting characters split.

        A callback is told which document is being split (``"splitting document
        2 of 5 into sentences"``); a progress bar keeps one stage name.
        """
        if not documents:
            return [], 0
        total = sum(len(d.text) for d in documents)
        step = progress_callback(progress, total, "splitting into sentences")
        passages: list[Passage] = []
        fragments = 0
        done = 0
        for number, document in enumerate(documents, 1):
            if callable(progress):
                stage = f"splitting document {number} of {len(documents)} into sentences"
                step = progress_callback(progress, total, stage)
            split = split_document(
                document, progress=lambda chars, base=done, report=step: report(base + chars)
            )
            passages.extend(split.passages)
            fragments += split.fragments
            done += len(document.text)
            step(done)
        return passages, fragments

    def _add_read(
        self, read: ReadResult, progress: Progress, *, uploaded: bool = False
    ) -> LoadReport:
        with self._index_lock:
            known = dict(self.index.files)
        # A file is known by its content: the same bytes under another name (a
        # subfolder indexed after its root, a copy, an upload of a loaded file)
        # are not indexed a second time.
        loaded_as = {digest: source for source, digest in known.items()}
        skipped = list(read.skipped)
        duplicates = []
        new_sources = {}
        for source, digest in read.file_hashes.items():
            if source in known and known[source] != digest:
                skipped.append(
                    SkippedFile(
                        source,
                        "a document of this name is loaded already with other content; "
                        "remove it (or rebuild the index) to replace it",
                    )
                )
            elif digest in loaded_as:
                duplicates.append(
                    SkippedFile(
                        source, f"the same content is loaded already as {loaded_as[digest]}"
                    )
                )
            else:
                new_sources[source] = digest
                loaded_as[digest] = source
        documents = [d for d in read.documents if d.source in new_sources]
        split, fragments = self._split(documents, progress)
        # Passages stored already (by an add cut short, say) are not embedded again.
        with self._index_lock:
            passages = self.index.unstored(split)
        done = {p.doc_id for p in split} - {p.doc_id for p in passages}
        documents = [d for d in documents if d.doc_id not in done]
        self._index_passages(passages, progress)
        with self._index_lock:
            self.index.files.update(new_sources)
            if uploaded:
                self.index.uploaded.update(new_sources)
        self._skipped = self._skipped + tuple(skipped)
        self._load_report = LoadReport(
            len(documents), len(passages), tuple(skipped), fragments, tuple(duplicates)
        )
        logger.info(
            "indexed %d documents, %d passages (%d fragments left out)",
            len(documents),
            len(passages),
            fragments,
        )
        return self._load_report

    @property
    def passages(self) -> Sequence[Passage]:
        """The indexed passages, in index order, read from the store as asked for (do not change them)."""
        return self.index.passages

    @property
    def load_report(self) -> LoadReport:
        return self._load_report

    @property
    def stats(self) -> CorpusStats:
        with self._index_lock:
            # The recorded source files, not every passage's source: a Milvus
            # collection would be read whole for it.
            sources = tuple(sorted(self.index.files))
            return CorpusStats(
                documents=self.index.documents,
                passages=len(self.index),
                index_type=self.index.index_type,
                sources=sources,
                skipped=self._skipped,
                int8_checks=tuple(
                    check
                    for model in (self.embedder, self.judge)
                    if (check := getattr(model, "int8_check", None)) is not None
                ),
                embedder=self.index.embedder_id,
            )

    def warm_up(self) -> None:
        """Load both models now rather than on the first claim."""
        for model in (self.embedder, self.judge):
            warm = getattr(model, "warm_up", None)
            if warm is not None:
                warm()

    # ----------------------------------------------------------------- checking
    def _retrieve_many(self, claims: Sequence[str], k: int) -> list[list[RetrievedPassage]]:
        vectors = self.embedder.encode(list(claims))
        with self._index_lock:
            # A store saved before it had a BM25 index said so when it loaded; it is dense only.
            mode = self.config.retrieval if self.index.has_lexical else DENSE
            if mode == DENSE:
                hits = self.index.search(vectors, k)
                passages = self.index.passages
                return [[RetrievedPassage(passages[i], score) for i, score in row] for row in hits]
            depth = max(k, FUSION_DEPTH) if mode == HYBRID else k
            lexical = self.index.lexical_search(claims, depth)
            none: list[list[tuple[int, float]]] = [[] for _ in claims]
            dense = self.index.search(vectors, depth) if mode == HYBRID else none
            # Lexical alone keeps BM25's order; the cosines are still read for the verdict.
            weight = DENSE_WEIGHT if mode == HYBRID else 0.0
            chosen = [
                fuse(self._candidates(vector, dense_row, lexical_row), k, weight)
                for vector, dense_row, lexical_row in zip(vectors, dense, lexical, strict=True)
            ]
            passages = self.index.passages
            return [
                [
                    RetrievedPassage(passages[c.position], c.cosine, c.retrieved_by)
                    for c in candidates
                ]
                for candidates in chosen
            ]

    def _candidates(
        self,
        vector: np.ndarray,
        dense: Sequence[tuple[int, float]],
        lexical: Sequence[tuple[int, float]],
    ) -> list[Candidate]:
        """Both lists' passages with both scores: a cosine read from the store where BM25 alone found it."""
        cosines = dict(dense)
        bm25 = dict(lexical)
        unscored = [position for position in bm25 if position not in cosines]
        if unscored:
            found = self.index.vectors(unscored) @ vector
            cosines.update(zip(unscored, (float(cosine) for cosine in found), strict=True))
        origin = {position: DENSE for position in dict(dense)}
        for position in bm25:
            origin[position] = BOTH if position in origin else LEXICAL
        return [
            Candidate(position, cosines[position], bm25.get(position, 0.0), retrieved_by)
            for position, retrieved_by in origin.items()
        ]

    def retrieve(self, claim: str, top_k: int | None = None) -> list[RetrievedPassage]:
        """The passages to judge for the claim, best first, each with its cosine to the claim.

        ``config.retrieval`` chooses them: nearest by vector, best by BM25, or both fused.
        """
        text, _ = validate_claim(claim, self.config.max_claim_chars)
        return self._retrieve_many([text], self._top_k(top_k))[0]

    def _top_k(self, top_k: int | None) -> int:
        return validate_positive("top_k", self.config.top_k if top_k is None else top_k)

    def _premise(self, passage: Passage) -> str:
        if self.config.use_context and passage.context_before and leans_on_previous(passage.text):
            return f"{passage.context_before} {passage.text}"
        return passage.text

    def verify(self, claim: str, top_k: int | None = None) -> Verdict:
        """Check one claim against the corpus.

        Args:
            claim: the statement to check.
            top_k: passages to judge; ``None`` is ``config.top_k``.

        Raises:
            InvalidClaimError: the claim is empty, not text, or too long.
        """
        validate_claim(claim, self.config.max_claim_chars)
        return self.verify_many([claim], top_k)[0]

    def verify_many(
        self,
        claims: Sequence[str],
        top_k: int | None = None,
        *,
        progress: Progress = False,
        time_budget_s: float | None = None,
    ) -> list[Verdict]:
        """Check many claims, embedding and judging them in batches.

        Every claim is validated before any work starts, so one bad claim
        fails the call at once with its position named. ``top_k`` overrides
        the config for this call.

        Raises:
            InvalidClaimError: a claim is invalid (its position is named).
            LimitError: ``time_budget_s`` seconds passed with claims still to
                check (checked between batches of ``config.batch_claims``).
        """
        started = time.monotonic()
        if isinstance(claims, str):
            raise InvalidClaimError(
                "verify_many takes a list of claims; use verify() for one claim"
            )
        checked = []
        for position, claim in enumerate(claims):
            try:
                checked.append(validate_claim(claim, self.config.max_claim_chars))
            except InvalidClaimError as error:
                raise InvalidClaimError(f"claim {position + 1}: {error}") from error
        k = self._top_k(top_k)
        step = progress_callback(progress, len(checked), "checking claims")
        verdicts: list[Verdict] = []
        for offset in range(0, len(checked), self.config.batch_claims):
            if time_budget_s is not None and offset and time.monotonic() - started > time_budget_s:
                raise LimitError(
                    f"stopped after {offset} of {len(checked)} claims: the time budget of "
                    f"{time_budget_s:g} s per request is spent; check fewer at once"
                )
            batch = checked[offset : offset + self.config.batch_claims]
            texts = [text for text, _ in batch]
            retrieved = self._retrieve_many(texts, k)
            pairs = [
                (self._premise(hit.passage), text)
                for text, hits in zip(texts, retrieved, strict=True)
                for hit in hits
            ]
            scores = self.judge.predict(pairs)
            cursor = 0
            for (text, warnings), hits in zip(batch, retrieved, strict=True):
                judged = [
                    JudgedPassage(hit.passage, hit.score, nli)
                    for hit, nli in zip(hits, scores[cursor : cursor + len(hits)], strict=True)
                ]
                cursor += len(hits)
                verdict = self.decider.decide(text, judged, warnings)
                verdicts.append(_with_retrieval_origin(verdict, hits))
            step(offset + len(batch))
        return verdicts

    def verify_paragraph(
        self,
        text: str,
        top_k: int | None = None,
        *,
        max_sentences: int | None = None,
        time_budget_s: float | None = None,
        progress: Progress = False,
    ) -> list[ClaimSpan]:
        """Split a paragraph into sentences and check each one, reporting as :meth:`verify_many`.

        Raises:
            InvalidClaimError: the paragraph is empty, not valid text, or a
                sentence is too long.
            LimitError: it has more than ``max_sentences`` sentences to check,
                or ``time_budget_s`` ran out (see :meth:`verify_many`).
        """
        if not isinstance(text, str) or not text.strip():
            raise InvalidClaimError("the paragraph is empty: paste some text to check")
        problem = claim_text_problem(text)
        if problem is not None:
            raise InvalidClaimError(problem.replace("the claim", "the paragraph"))
        spans = [span for span in split_sentences(text) if len(span.text) >= MIN_PASSAGE_CHARS]
        if not spans:
            raise InvalidClaimError("the paragraph has no sentence long enough to check")
        too_long = [span for span in spans if len(span.text) > self.config.max_claim_chars]
        if too_long:
            raise InvalidClaimError(
                f"a sentence starting {too_long[0].text[:40]!r} is over {self.config.max_claim_chars} characters"
            )
        if max_sentences is not None and len(spans) > max_sentences:
            raise LimitError(
                f"the paragraph has {len(spans)} sentences to check; the limit is "
                f"{max_sentences} per request: split it"
            )
        verdicts = self.verify_many(
            [span.text for span in spans],
            top_k,
            progress=progress,
            time_budget_s=time_budget_s,
        )
        return [ClaimSpan(s.text, s.start, s.end, v) for s, v in zip(spans, verdicts, strict=True)]


def _with_retrieval_origin(verdict: Verdict, hits: Sequence[RetrievedPassage]) -> Verdict:
    """The verdict with each evidence item marked with the ranking that found its passage."""
    origin = {hit.passage: hit.retrieved_by for hit in hits}

    def marked(items: Sequence[Evidence]) -> tuple[Evidence, ...]:
        return tuple(
            replace(item, retrieved_by=origin.get(item.passage, item.retrieved_by))
            for item in items
        )

    return replace(verdict, evidence=marked(verdict.evidence), deciding=marked(verdict.deciding))


# --------------------------------------------------------------------- verify()
_CACHE_SIZE = 4
_cache: OrderedDict[str, Verifier] = OrderedDict()
_cache_lock = threading.Lock()
_shared_models: dict[str, Any] = {}


def verify(
    claim: str,
    corpus: CorpusInput,
    top_k: int | None = None,
    *,
    index_type: str | None = None,
    config: VerifierConfig | None = None,
    judge: str = "fast",
    embedder: str = "minilm",
) -> Verdict:
    """Check a claim against a corpus in one call.

    The index built for a corpus is kept, keyed by the bytes of its files (a
    file whose size and modification time are unchanged is not read again),
    and reused by later calls; the models are loaded once per process. Other
    ``top_k`` or ``config`` reuse the same index.

    Args:
        claim: the statement to check.
        corpus: a file or folder path, a list of paths, or ``{name: text}``.
        top_k: passages to retrieve and judge; ``None`` is ``config.top_k``.
        index_type: ``"flat"``, ``"hnsw"`` or ``"ivf"``; ``None`` picks by the corpus's size.
        config: settings; ``None`` is ``VerifierConfig()``.
        judge: ``"fast"`` (the shipped MiniLM-L6) or any NLI model path, hub id or alias.
        embedder: ``"minilm"`` (shipped), ``"mpnet"`` (better recall, slower indexing;
            its optional packages) or a sentence-transformers folder.

    Example:
        >>> verify("Ukraine's incursion into Kursk began in August.", corpus="news/").label
        'SUPPORTED'
    """
    try:
        validate_corpus_input(corpus)
    except CorpusError as error:
        raise CorpusError(f"verify(claim, corpus, top_k): {error}") from error
    config = config or VerifierConfig()
    fingerprint = corpus_fingerprint(corpus)
    key = hashlib.sha256(f"{index_type}\0{judge}\0{embedder}\0{fingerprint}".encode()).hexdigest()
    with _cache_lock:
        verifier = _cache.get(key)
        if verifier is not None:
            _cache.move_to_end(key)
        else:
            encoder = _shared_models.setdefault(f"embedder:{embedder}", Embedder(embedder))
            nli = _shared_models.setdefault(f"judge:{judge}", NLIJudge(judge))
            verifier = Verifier.from_corpus(
                corpus, embedder=encoder, judge=nli, config=config, index_type=index_type
            )
            _cache[key] = verifier
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    if verifier.config != config:
        verifier = verifier.with_config(config)
    return verifier.verify(claim, top_k)
