"""The pipeline that joins reading, embedding, the index, the NLI judge and aggregation.

``Verifier`` is the object to keep for repeated use; ``verify()`` is the
one-call front door, which reuses the index built for a corpus as long as the
corpus content is unchanged.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from verifier.aggregate import AggregationConfig, aggregate
from verifier.chunking import MIN_PASSAGE_CHARS, document_passages, split_sentences
from verifier.corpus import CorpusInput, ReadResult, read_corpus
from verifier.embedding import Embedder, TextEncoder
from verifier.entities import (
    adjust_for_missing_names,
    missing_names,
    names_the_passage_lacks,
    subject_names,
)
from verifier.errors import InvalidClaimError
from verifier.index import PassageIndex
from verifier.nli import Judge, NLIJudge
from verifier.quantities import adjust_scores, compare_quantities
from verifier.reports import adjust_for_report_clash, compare_reports
from verifier.types import (
    ClaimSpan,
    CorpusStats,
    JudgedPassage,
    LoadReport,
    NLIScores,
    Passage,
    RetrievedPassage,
    SkippedFile,
    Verdict,
)

logger = logging.getLogger(__name__)

Progress = bool | Callable[[int, int, str], None]

# A sentence opening with one of these leans on the one before it ("He said ..."),
# so the judge sees the previous sentence too.
_ANAPHORIC_START = re.compile(
    r"^(he|she|it|they|this|that|these|those|his|her|its|their|there|the latter|the former)\b",
    re.IGNORECASE,
)
_LONG_CLAIM_CHARS = 300
_LOWERCASE_WORD = re.compile(r"\b[a-z][a-z0-9'-]*\b")


@dataclass(frozen=True)
class VerifierConfig:
    """Settings of a ``Verifier``; the verdict thresholds are in ``aggregation``.

    Claims over ``max_claim_chars`` are refused (not truncated) with
    ``InvalidClaimError``: a verdict on part of a claim would be misleading.
    """

    top_k: int = 5
    aggregation: AggregationConfig = field(default_factory=AggregationConfig)
    use_context: bool = True
    number_aware: bool = True
    name_aware: bool = True
    report_aware: bool = True
    max_claim_chars: int = 1000
    batch_claims: int = 32

    def __post_init__(self) -> None:
        for name in ("top_k", "max_claim_chars", "batch_claims"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["aggregation"] = self.aggregation.to_dict()
        return data


def check_claim(claim: object, max_chars: int) -> tuple[str, tuple[str, ...]]:
    """Validate a claim; returns it stripped, with any warnings."""
    if not isinstance(claim, str):
        raise InvalidClaimError(f"the claim must be text, got {type(claim).__name__}")
    text = " ".join(claim.split())
    if not text:
        raise InvalidClaimError("the claim is empty: type a sentence to check")
    if len(text) > max_chars:
        raise InvalidClaimError(
            f"the claim is {len(text)} characters long; the limit is {max_chars}. "
            "Split it into single statements (or use paragraph checking)"
        )
    warnings = ()
    if len(text) > _LONG_CLAIM_CHARS:
        warnings = (
            f"long claim ({len(text)} characters): the judge reads up to 256 tokens per pair, "
            "and single statements are judged more reliably",
        )
    return text, warnings


def _progress_callback(progress: Progress, total: int, stage: str) -> Callable[[int], None]:
    """Adapt ``progress`` (False, True for a tqdm bar, or a callable) to ``step(done)``."""
    if callable(progress):
        return lambda done: progress(done, total, stage)
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc=stage, unit="item")

        def step(done: int) -> None:
            bar.update(done - bar.n)
            if done >= total:
                bar.close()

        return step
    return lambda done: None


class Verifier:
    """Checks claims against an indexed corpus.

    Args:
        index: the passage index to search.
        embedder: sentence embedder; defaults to the shipped all-MiniLM-L6-v2.
        judge: NLI judge; defaults to the project's shipped NLI model.
        config: thresholds and settings.

    Example:
        >>> verifier = Verifier.from_corpus("demo_corpus/")
        >>> verdict = verifier.verify("The library opened in 1998.")
        >>> verdict.label in {"SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO", "CONFLICTING"}
        True
    """

    def __init__(
        self,
        index: PassageIndex,
        *,
        embedder: TextEncoder | None = None,
        judge: Judge | None = None,
        config: VerifierConfig | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder if embedder is not None else Embedder()
        self.judge = judge if judge is not None else NLIJudge()
        self.config = config or VerifierConfig()
        self._index_lock = threading.RLock()
        self._load_report = LoadReport(index.documents, len(index))
        self._skipped: tuple[SkippedFile, ...] = ()
        self._lowercase_words: frozenset[str] = frozenset()
        self._lowercase_words_of = -1

    # ----------------------------------------------------------------- building
    @classmethod
    def from_corpus(
        cls,
        corpus: CorpusInput,
        *,
        embedder: TextEncoder | None = None,
        judge: Judge | None = None,
        config: VerifierConfig | None = None,
        index_type: str = "flat",
        progress: Progress = False,
    ) -> Verifier:
        """Read, split, embed and index a corpus (paths, or ``{name: text}``)."""
        read = read_corpus(corpus)
        verifier = cls._empty(embedder, judge, config, index_type)
        verifier._add_read(read, progress)
        return verifier

    @classmethod
    def _empty(
        cls,
        embedder: TextEncoder | None,
        judge: Judge | None,
        config: VerifierConfig | None,
        index_type: str,
    ) -> Verifier:
        embedder = embedder if embedder is not None else Embedder()
        index = PassageIndex(embedder.dimension, index_type, embedder.model_id)
        return cls(index, embedder=embedder, judge=judge, config=config)

    @classmethod
    def from_passages(
        cls,
        passages: Sequence[Passage],
        *,
        embedder: TextEncoder | None = None,
        judge: Judge | None = None,
        config: VerifierConfig | None = None,
        index_type: str = "flat",
        progress: Progress = False,
    ) -> Verifier:
        """Index passages that are already split (one evidence sentence each, say)."""
        verifier = cls._empty(embedder, judge, config, index_type)
        verifier._index_passages(list(passages), progress)
        verifier._load_report = LoadReport(verifier.index.documents, len(passages))
        return verifier

    @classmethod
    def load(
        cls,
        index_dir: str | Path,
        *,
        embedder: TextEncoder | None = None,
        judge: Judge | None = None,
        config: VerifierConfig | None = None,
    ) -> Verifier:
        """Open a saved index; fails with ``IndexFormatError`` if it is corrupt or mismatched."""
        embedder = embedder if embedder is not None else Embedder()
        index = PassageIndex.load(
            index_dir, embedder_id=embedder.model_id, dimension=embedder.dimension
        )
        return cls(index, embedder=embedder, judge=judge, config=config)

    def save(self, index_dir: str | Path) -> None:
        """Write the index atomically: a crash mid-save leaves the previous one usable."""
        with self._index_lock:
            self.index.save(index_dir)

    def _index_passages(self, passages: list[Passage], progress: Progress) -> None:
        # All vectors go to the index in one add: an IVF index is trained on the
        # first add, so it must see the whole corpus, not its first chunk.
        step = _progress_callback(progress, len(passages), "embedding passages")
        chunk = 256
        vectors = []
        for offset in range(0, len(passages), chunk):
            vectors.append(
                self.embedder.encode([p.text for p in passages[offset : offset + chunk]])
            )
            step(offset + len(vectors[-1]))
        if passages:
            with self._index_lock:
                self.index.add(np.concatenate(vectors), passages)

    def add(self, corpus: CorpusInput, *, progress: Progress = False) -> LoadReport:
        """Read more documents into the index.

        A file already indexed with the same content is left as it is; one
        whose content changed since is reported as skipped (rebuild the index
        to replace it).
        """
        return self._add_read(read_corpus(corpus), progress)

    def _add_read(self, read: ReadResult, progress: Progress) -> LoadReport:
        with self._index_lock:
            known = set(self.index.files)
            indexed_docs = {passage.doc_id for passage in self.index.passages}
        skipped = list(read.skipped)
        new_sources = {}
        for source, digest in read.file_hashes.items():
            if source in known and self.index.files[source] != digest:
                skipped.append(
                    SkippedFile(
                        source, "already indexed with other content; rebuild the index to update it"
                    )
                )
            elif source not in known:
                new_sources[source] = digest
        documents = [
            d for d in read.documents if d.source in new_sources and d.doc_id not in indexed_docs
        ]
        passages = [p for document in documents for p in document_passages(document)]
        self._index_passages(passages, progress)
        with self._index_lock:
            self.index.files.update(new_sources)
        self._skipped = self._skipped + tuple(skipped)
        self._load_report = LoadReport(len(documents), len(passages), tuple(skipped))
        logger.info("indexed %d documents, %d passages", len(documents), len(passages))
        return self._load_report

    @property
    def passages(self) -> tuple[Passage, ...]:
        """The indexed passages, in index order (read-only)."""
        with self._index_lock:
            return tuple(self.index.passages)

    @property
    def load_report(self) -> LoadReport:
        return self._load_report

    @property
    def stats(self) -> CorpusStats:
        with self._index_lock:
            sources = tuple(sorted({p.source for p in self.index.passages}))
            return CorpusStats(
                documents=self.index.documents,
                passages=len(self.index),
                index_type=self.index.index_type,
                sources=sources,
                skipped=self._skipped,
            )

    def warm_up(self) -> None:
        """Load both models now rather than on the first claim."""
        for model in (self.embedder, self.judge):
            warm = getattr(model, "warm_up", None)
            if warm is not None:
                warm()

    # ----------------------------------------------------------------- checking
    def _top_k(self, top_k: int | None) -> int:
        k = self.config.top_k if top_k is None else top_k
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"top_k must be a positive integer, got {k!r}")
        return k

    def _retrieve_many(self, claims: Sequence[str], k: int) -> list[list[RetrievedPassage]]:
        vectors = self.embedder.encode(list(claims))
        with self._index_lock:
            hits = self.index.search(vectors, k)
            passages = self.index.passages
            return [[RetrievedPassage(passages[i], score) for i, score in row] for row in hits]

    def retrieve(self, claim: str, top_k: int | None = None) -> list[RetrievedPassage]:
        """The passages nearest to the claim, best first, with cosine scores."""
        text, _ = check_claim(claim, self.config.max_claim_chars)
        return self._retrieve_many([text], self._top_k(top_k))[0]

    def _premise(self, passage: Passage) -> str:
        if (
            self.config.use_context
            and passage.context_before
            and _ANAPHORIC_START.match(passage.text)
        ):
            return f"{passage.context_before} {passage.text}"
        return passage.text

    def _is_common_word(self, word: str) -> bool:
        # Whether the corpus ever writes ``word`` in lower case: then a claim's
        # capitalised first word is an ordinary word ("Global warming..."), not a name.
        with self._index_lock:
            if self._lowercase_words_of != len(self.index):
                self._lowercase_words = frozenset(
                    word
                    for passage in self.index.passages
                    for word in _LOWERCASE_WORD.findall(passage.text)
                )
                self._lowercase_words_of = len(self.index)
            return word in self._lowercase_words

    def _judge(
        self, claim: str, retrieved: Sequence[RetrievedPassage], scores: Sequence[NLIScores]
    ) -> list[JudgedPassage]:
        judged = []
        config = self.config
        wanted = config.name_aware or config.report_aware
        subject = subject_names(claim, self._is_common_word) if wanted else ()
        for hit, nli in zip(retrieved, scores, strict=True):
            notes: tuple[str, ...] = ()
            passage = hit.passage
            if subject and config.name_aware:
                missing = names_the_passage_lacks(
                    subject,
                    passage.text,
                    context=passage.context_before,
                    is_common_word=self._is_common_word,
                )
                nli = adjust_for_missing_names(nli, missing)
                notes += tuple(f"claim names '{name}'; the passage does not" for name in missing)
            # Who confirmed or denied matters: compare only where the passage
            # names the claim's subject.
            if (
                subject
                and config.report_aware
                and not missing_names(subject, f"{passage.context_before} {passage.text}")
            ):
                reports = compare_reports(claim, passage.text)
                nli = adjust_for_report_clash(nli, reports)
                notes += (reports.note,) if reports.clash else ()
            if self.config.number_aware:
                comparison = compare_quantities(claim, hit.passage.text)
                nli = adjust_scores(nli, comparison)
                notes += tuple(comparison.notes)
            judged.append(JudgedPassage(hit.passage, hit.score, nli, notes))
        return judged

    def verify(self, claim: str, top_k: int | None = None) -> Verdict:
        """Check one claim against the corpus.

        Raises:
            InvalidClaimError: the claim is empty, not text, or too long.
        """
        check_claim(claim, self.config.max_claim_chars)
        return self.verify_many([claim], top_k)[0]

    def verify_many(
        self, claims: Sequence[str], top_k: int | None = None, *, progress: Progress = False
    ) -> list[Verdict]:
        """Check many claims, embedding and judging them in batches.

        Every claim is validated before any work starts, so one bad claim
        fails the call at once with its position named.
        """
        if isinstance(claims, str):
            raise InvalidClaimError(
                "verify_many takes a list of claims; use verify() for one claim"
            )
        checked = []
        for position, claim in enumerate(claims):
            try:
                checked.append(check_claim(claim, self.config.max_claim_chars))
            except InvalidClaimError as error:
                raise InvalidClaimError(f"claim {position + 1}: {error}") from error
        k = self._top_k(top_k)
        step = _progress_callback(progress, len(checked), "checking claims")
        verdicts: list[Verdict] = []
        for offset in range(0, len(checked), self.config.batch_claims):
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
                judged = self._judge(text, hits, scores[cursor : cursor + len(hits)])
                cursor += len(hits)
                verdicts.append(aggregate(text, judged, self.config.aggregation, warnings))
            step(offset + len(batch))
        return verdicts

    def verify_paragraph(self, text: str, top_k: int | None = None) -> list[ClaimSpan]:
        """Split a paragraph into sentences and check each one."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidClaimError("the paragraph is empty: paste some text to check")
        spans = [span for span in split_sentences(text) if len(span.text) >= MIN_PASSAGE_CHARS]
        if not spans:
            raise InvalidClaimError("the paragraph has no sentence long enough to check")
        too_long = [span for span in spans if len(span.text) > self.config.max_claim_chars]
        if too_long:
            raise InvalidClaimError(
                f"a sentence starting {too_long[0].text[:40]!r} is over {self.config.max_claim_chars} characters"
            )
        verdicts = self.verify_many([span.text for span in spans], top_k)
        return [ClaimSpan(s.text, s.start, s.end, v) for s, v in zip(spans, verdicts, strict=True)]


# --------------------------------------------------------------------- verify()
_CACHE_SIZE = 4
_cache: OrderedDict[str, Verifier] = OrderedDict()
_cache_lock = threading.Lock()
_shared_models: dict[str, Any] = {}


def _corpus_key(corpus: CorpusInput, index_type: str) -> str:
    read = read_corpus(corpus)
    digest = hashlib.sha256(index_type.encode())
    for source in sorted(read.file_hashes):
        digest.update(f"{source}\0{read.file_hashes[source]}\0".encode())
    return digest.hexdigest()


def verify(
    claim: str, corpus: CorpusInput, top_k: int = 5, *, index_type: str = "flat", **kwargs: Any
) -> Verdict:
    """Check a claim against a corpus in one call.

    The index built for a corpus is kept (keyed by the content of its files)
    and reused by later calls with the same content; the models are loaded
    once per process.

    Args:
        claim: the statement to check.
        corpus: a file or folder path, a list of paths, or ``{name: text}``.
        top_k: passages to retrieve and judge.
        index_type: ``"flat"``, ``"hnsw"`` or ``"ivf"``.
        **kwargs: ``VerifierConfig`` fields, e.g. ``number_aware=False``.

    Example:
        >>> verify("Ukraine's incursion into Kursk began in August.", corpus="news/").label
        'SUPPORTED'
    """
    config = VerifierConfig(top_k=top_k, **kwargs)
    key = _corpus_key(corpus, index_type)
    with _cache_lock:
        verifier = _cache.get(key)
        if verifier is not None:
            _cache.move_to_end(key)
        else:
            embedder = _shared_models.setdefault("embedder", Embedder())
            judge = _shared_models.setdefault("judge", NLIJudge())
            verifier = Verifier.from_corpus(
                corpus, embedder=embedder, judge=judge, index_type=index_type
            )
            _cache[key] = verifier
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    if verifier.config != config:
        verifier = Verifier(
            verifier.index, embedder=verifier.embedder, judge=verifier.judge, config=config
        )
    return verifier.verify(claim)
