"""Result types: frozen dataclasses with ``to_dict()`` for JSON and the UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ENTAILMENT = "entailment"
NEUTRAL = "neutral"
CONTRADICTION = "contradiction"
NLI_LABELS = (ENTAILMENT, NEUTRAL, CONTRADICTION)

SUPPORTED = "SUPPORTED"
REFUTED = "REFUTED"
NOT_ENOUGH_INFO = "NOT_ENOUGH_INFO"
CONFLICTING = "CONFLICTING"
VERDICT_LABELS = (SUPPORTED, REFUTED, NOT_ENOUGH_INFO, CONFLICTING)

SUPPORTS = "supports"
REFUTES = "refutes"
NEUTRAL_STANCE = "neutral"


@dataclass(frozen=True, slots=True)
class Passage:
    """One sentence of a document, with where it sits in the original text.

    ``start``/``end`` are character offsets into the document's text as read
    (``document_text[start:end] == text``); ``context_before``/``context_after``
    are the neighbouring sentences, given to the NLI judge to resolve pronouns.
    """

    doc_id: str
    source: str
    title: str
    text: str
    start: int
    end: int
    context_before: str = ""
    context_after: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "source": self.source,
            "title": self.title,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "context_before": self.context_before,
            "context_after": self.context_after,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        return cls(
            doc_id=str(data["doc_id"]),
            source=str(data["source"]),
            title=str(data.get("title", "")),
            text=str(data["text"]),
            start=int(data["start"]),
            end=int(data["end"]),
            context_before=str(data.get("context_before", "")),
            context_after=str(data.get("context_after", "")),
        )


@dataclass(frozen=True)
class Document:
    """A whole document as read, before splitting."""

    doc_id: str
    source: str
    title: str
    text: str


@dataclass(frozen=True)
class SkippedFile:
    """A file that could not be read, and why."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True)
class NLIScores:
    """Probabilities that a premise entails, is neutral to, or contradicts a claim."""

    entailment: float
    neutral: float
    contradiction: float

    @property
    def label(self) -> str:
        scores = {
            ENTAILMENT: self.entailment,
            NEUTRAL: self.neutral,
            CONTRADICTION: self.contradiction,
        }
        return max(scores, key=scores.__getitem__)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "entailment": self.entailment,
            "neutral": self.neutral,
            "contradiction": self.contradiction,
        }


@dataclass(frozen=True)
class Evidence:
    """A retrieved passage judged against the claim.

    ``stance`` is what this passage says about the claim as the verdict rule reads it: ``supports``, ``refutes`` or ``neutral``.
    ``notes`` explains adjustments, e.g. a number in the passage that differs
    from the claim's. ``retrieval_score`` is the passage's cosine to the claim
    however it was found; ``retrieved_by`` says which ranking found it:
    ``dense`` (the embedder's), ``lexical`` (BM25's) or ``both``.
    """

    passage: Passage
    retrieval_score: float
    nli: NLIScores
    stance: str
    notes: tuple[str, ...] = ()
    retrieved_by: str = "dense"

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.passage.text,
            "source": self.passage.source,
            "doc_id": self.passage.doc_id,
            "title": self.passage.title,
            "start": self.passage.start,
            "end": self.passage.end,
            "context_before": self.passage.context_before,
            "context_after": self.passage.context_after,
            "score": self.retrieval_score,
            "retrieved_by": self.retrieved_by,
            "nli": self.nli.to_dict(),
            "stance": self.stance,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class SourceStance:
    """A document's strongest stance on the claim, and the passage that shows it."""

    doc_id: str
    source: str
    title: str
    stance: str
    strength: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "source": self.source,
            "title": self.title,
            "stance": self.stance,
            "strength": self.strength,
            "text": self.text,
        }


@dataclass(frozen=True)
class Verdict:
    """The answer for one claim.

    ``evidence`` holds every judged passage, best first; ``deciding`` the ones
    the verdict rests on (empty for NOT_ENOUGH_INFO); ``sources`` one stance
    per document; ``warnings`` anything the user should know (a truncated
    claim, say).
    """

    claim: str
    label: str
    confidence: float
    evidence: tuple[Evidence, ...]
    deciding: tuple[Evidence, ...]
    sources: tuple[SourceStance, ...]
    warnings: tuple[str, ...] = field(default=())
    probabilities: dict[str, float] = field(default_factory=dict)
    """Calibrated probability of each fitted class (empty under the threshold rule)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "verdict": self.label,
            "confidence": self.confidence,
            "evidence": [item.to_dict() for item in self.evidence],
            "deciding": [item.to_dict() for item in self.deciding],
            "sources": [item.to_dict() for item in self.sources],
            "warnings": list(self.warnings),
            "probabilities": dict(self.probabilities),
        }


@dataclass(frozen=True)
class RetrievedPassage:
    """A passage found for a claim, its cosine similarity to the claim, and which ranking found it.

    ``retrieved_by`` is ``"dense"`` (the embedder's top list), ``"lexical"``
    (BM25's) or ``"both"``.
    """

    passage: Passage
    score: float
    retrieved_by: str = "dense"


@dataclass(frozen=True)
class JudgedPassage:
    """A retrieved passage with its NLI scores: what aggregation reads."""

    passage: Passage
    retrieval_score: float
    nli: NLIScores
    notes: tuple[str, ...] = ()

    @classmethod
    def from_evidence_dict(cls, data: dict[str, Any]) -> JudgedPassage:
        """Rebuild from ``Evidence.to_dict()`` output, e.g. a stored prediction."""
        nli = data["nli"]
        return cls(
            passage=Passage.from_dict(
                {
                    **data,
                    "doc_id": data.get("doc_id", data["source"]),
                    "start": data.get("start", 0),
                    "end": data.get("end", len(data["text"])),
                }
            ),
            retrieval_score=float(data["score"]),
            nli=NLIScores(
                entailment=float(nli["entailment"]),
                neutral=float(nli["neutral"]),
                contradiction=float(nli["contradiction"]),
            ),
            notes=tuple(data.get("notes", ())),
        )


@dataclass(frozen=True)
class LoadReport:
    """What reading a corpus produced, and which files it had to skip."""

    documents: int
    passages: int
    skipped: tuple[SkippedFile, ...] = ()
    fragments: int = 0
    """Sentences left out as page furniture: bylines, buttons, captions, headings."""
    duplicates: tuple[SkippedFile, ...] = ()
    """Files left out because the same content is loaded already (the reason names it)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "passages": self.passages,
            "skipped": [item.to_dict() for item in self.skipped],
            "fragments": self.fragments,
            "duplicates": [item.to_dict() for item in self.duplicates],
        }


@dataclass(frozen=True)
class IndexedSource:
    """One source file in an index: its name, the sha256 of its content, and who added it."""

    name: str
    sha256: str
    uploaded: bool
    """Added by a user's upload (which may be removed); otherwise it came with the server."""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256, "uploaded": self.uploaded}


@dataclass(frozen=True)
class Int8SelfCheck:
    """How an int8 session compared with float32 on fixed probe texts when it loaded.

    int8 arithmetic differs between CPUs (x86 without VNNI adds pairs of
    u8 x s8 products in 16 bits, which can saturate), so each int8 session is
    checked on the machine it runs on; one that strays more than ``tolerance``
    from float32 is replaced by the float32 export (``onnx-fp32``).
    """

    model: str
    """The model checked: ``"NLI judge <path>"`` or ``"embedder <path>"``."""
    difference: float
    """The largest difference from float32: a probability for the judge, a cosine for the embedder."""
    tolerance: float

    @property
    def passed(self) -> bool:
        return self.difference <= self.tolerance  # False for NaN too

    @property
    def backend(self) -> str:
        """The backend in use after the check."""
        return "onnx-int8" if self.passed else "onnx-fp32"

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "difference": self.difference,
            "tolerance": self.tolerance,
            "passed": self.passed,
            "backend": self.backend,
        }


@dataclass(frozen=True)
class CorpusStats:
    """What an index holds, and how the int8 models checked out where they run."""

    documents: int
    passages: int
    index_type: str
    sources: tuple[str, ...]
    skipped: tuple[SkippedFile, ...] = ()
    int8_checks: tuple[Int8SelfCheck, ...] = ()
    """One per model loaded on the int8 backend (none before the models load)."""
    embedder: str = ""
    """The id of the embedder whose vectors the index holds."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "passages": self.passages,
            "index_type": self.index_type,
            "embedder": self.embedder,
            "sources": list(self.sources),
            "skipped": [item.to_dict() for item in self.skipped],
            "int8_checks": [check.to_dict() for check in self.int8_checks],
        }


@dataclass(frozen=True)
class ClaimSpan:
    """One sentence of a checked paragraph, where it sits, and its verdict."""

    text: str
    start: int
    end: int
    verdict: Verdict

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "verdict": self.verdict.to_dict(),
        }
