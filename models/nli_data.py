"""Training data for the NLI model: readers, the held-out slice and length-bucketed batches.

Pure python (no torch), so the data side of training can be tested fast.

Every training file is read into :class:`NLIExample` rows whose label is one of
``entailment`` / ``neutral`` / ``contradiction`` or, for two-way data (FEVER,
SciFact, some probes), ``not_entailment``, which means "neutral or
contradiction" and is trained as such.  Files may be gzipped (``name.gz`` is
read when ``name`` is absent), which is how they travel to a GPU machine.

The evaluation sets (MNLI held-out, ANLI test, Climate-FEVER, SciFact dev) are
deliberately absent from :data:`TRAINING_SOURCES`: nothing here can read them
for training.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from verifier.records import json_objects, scifact_rows

# What eval/ and the training code may use (tests/test_import_direction.py holds eval/ to it).
__all__ = [
    "CLAIM_EVIDENCE_SOURCES",
    "DataError",
    "FEEDBACK_TARGETS",
    "LABELS",
    "NLIExample",
    "NOT_ENTAILMENT",
    "TARGET_IDS",
    "TRAINING_SOURCES",
    "TrainingSource",
    "UNPAIRED_CLAIM_SOURCES",
    "UnpairedClaim",
    "bucketed_batches",
    "feedback_examples",
    "heldout_group",
    "iter_label_counts",
    "load_training_examples",
    "load_unpaired_claims",
    "mismatched_neutrals",
    "nearest_rows",
    "read_covidfact",
    "read_fever_train",
    "read_nli_jsonl",
    "read_scifact_tsv",
    "read_unpaired_claims",
    "read_vitaminc",
    "retrieved_neutrals",
    "retrieved_premises",
    "split_heldout",
]

LABELS = ("entailment", "neutral", "contradiction")
"""Output order of the shipped model: ``id2label = {0: entailment, 1: neutral, 2: contradiction}``."""
NOT_ENTAILMENT = "not_entailment"
TARGET_IDS = {"entailment": 0, "neutral": 1, "contradiction": 2, NOT_ENTAILMENT: 3}
"""Training target per label; 3 marks a two-way "neutral or contradiction" row."""


class DataError(ValueError):
    """A training file is missing or holds a line that cannot be read; names file and line."""


@dataclass(frozen=True)
class NLIExample:
    """One premise/hypothesis pair with its gold label and where it came from."""

    premise: str
    hypothesis: str
    label: str
    source: str
    group: str = ""
    """What must not be split between training and validation (a claim id, a
    Wikipedia title); empty when the pair stands alone."""

    @property
    def target(self) -> int:
        return TARGET_IDS[self.label]

    def to_dict(self) -> dict[str, str]:
        record = {
            "premise": self.premise,
            "hypothesis": self.hypothesis,
            "label": self.label,
            "source": self.source,
        }
        if self.group:
            record["group"] = self.group
        return record


@dataclass(frozen=True)
class UnpairedClaim:
    """A claim that its gold evidence could not settle, still without a premise."""

    claim: str
    source: str
    group: str


def _open_text(path: Path) -> TextIO:
    if path.exists():
        return path.open(encoding="utf-8", newline="")
    packed = path.with_name(path.name + ".gz")
    if packed.exists():
        return io.TextIOWrapper(gzip.open(packed, "rb"), encoding="utf-8", newline="")
    raise DataError(f"{path}: file not found (nor {packed.name})")


def _checked_label(label: Any, allowed: Sequence[str], where: str) -> str:
    if not isinstance(label, str) or label.strip().lower() not in allowed:
        raise DataError(f"{where}: label {label!r} is not one of {list(allowed)}")
    return label.strip().lower()


def _text(value: Any, field: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"{where}: {field!r} must be a non-empty string")
    return value.strip()


def _group(record: dict[str, Any], group_field: str | None, where: str) -> str:
    if group_field is None:
        return ""
    value = record.get(group_field)
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise DataError(f"{where}: {group_field!r} must be a non-empty string or number")
    return f"{group_field}:{str(value).strip()}"


def read_nli_jsonl(
    path: Path, default_source: str, group_field: str | None = None
) -> list[NLIExample]:
    """Read ``{"premise", "hypothesis", "label"[, "source"]}`` lines (3-way or two-way labels).

    Args:
        group_field: a field (``id``, ``title``) whose value keeps rows together
            when the validation slice is carved; required on every line if given.
    """
    examples = []
    allowed = (*LABELS, NOT_ENTAILMENT)
    with _open_text(path) as handle:
        for where, record in json_objects(handle, str(path), DataError):
            examples.append(
                NLIExample(
                    premise=_text(record.get("premise"), "premise", where),
                    hypothesis=_text(record.get("hypothesis"), "hypothesis", where),
                    label=_checked_label(record.get("label"), allowed, where),
                    source=str(record.get("source") or default_source),
                    group=_group(record, group_field, where),
                )
            )
    return examples


def read_fever_train(path: Path, default_source: str = "fever-train") -> list[NLIExample]:
    """FEVER train claims against their joined gold evidence; kept together by claim id."""
    return read_nli_jsonl(path, default_source, group_field="id")


def read_vitaminc(path: Path, default_source: str = "vitaminc") -> list[NLIExample]:
    """VitaminC contrastive pairs; kept together by Wikipedia page title."""
    return read_nli_jsonl(path, default_source, group_field="title")


def read_unpaired_claims(path: Path, default_source: str = "fever-nei") -> list[UnpairedClaim]:
    """``{"claim", "id"}`` lines: claims that need a retrieved premise to become pairs."""
    claims = []
    with _open_text(path) as handle:
        for where, record in json_objects(handle, str(path), DataError):
            claims.append(
                UnpairedClaim(
                    claim=_text(record.get("claim"), "claim", where),
                    source=default_source,
                    group=_group(record, "id", where),
                )
            )
    return claims


def read_covidfact(path: Path, default_source: str = "covidfact") -> list[NLIExample]:
    """COVID-Fact claims: premise = the evidence sentences joined, SUPPORTED/REFUTED -> 3-way."""
    mapping = {"supported": "entailment", "refuted": "contradiction"}
    examples = []
    with _open_text(path) as handle:
        for where, record in json_objects(handle, str(path), DataError):
            evidence = record.get("evidence")
            if not isinstance(evidence, list) or not all(isinstance(s, str) for s in evidence):
                raise DataError(f"{where}: 'evidence' must be a list of sentences")
            label = _checked_label(record.get("label"), tuple(mapping), where)
            examples.append(
                NLIExample(
                    premise=_text(" ".join(s.strip() for s in evidence), "evidence", where),
                    hypothesis=_text(record.get("claim"), "claim", where),
                    label=mapping[label],
                    source=default_source,
                )
            )
    return examples


def read_scifact_tsv(path: Path, default_source: str = "scifact") -> list[NLIExample]:
    """SciFact RTE TSV: ``index, sentence1 (evidence), sentence2 (claim), entailment``."""
    with _open_text(path) as handle:
        return [
            NLIExample(
                premise=_text(row.evidence, "sentence1", row.where),
                hypothesis=_text(row.claim, "sentence2", row.where),
                label=_checked_label(row.label, ("entailment", NOT_ENTAILMENT), row.where),
                source=default_source,
            )
            for row in scifact_rows(handle, str(path), DataError)
        ]


@dataclass(frozen=True)
class TrainingSource:
    """A training file relative to the data folder (``../shared/data``) and its reader."""

    relative_path: str
    reader: Callable[[Path, str], list[NLIExample]]


TRAINING_SOURCES: dict[str, TrainingSource] = {
    "nli": TrainingSource("nli/train.jsonl", read_nli_jsonl),
    "fever": TrainingSource("nli/fever_pairs.jsonl", read_nli_jsonl),
    "fever-train": TrainingSource("nli/fever_train.jsonl", read_fever_train),
    "vitaminc": TrainingSource("nli/vitaminc_train.jsonl", read_vitaminc),
    "counterfactual": TrainingSource("nli/counterfactual_snli.jsonl", read_nli_jsonl),
    "phenomena": TrainingSource("nli/extra_phenomena.jsonl", read_nli_jsonl),
    "covidfact": TrainingSource("factcheck/covidfact.jsonl", read_covidfact),
    "scifact": TrainingSource("factcheck/scifact_rte_train.tsv", read_scifact_tsv),
}

UNPAIRED_CLAIM_SOURCES: dict[str, str] = {"fever-nei": "nli/fever_train_nei_claims.jsonl"}
"""Claims without premises: each becomes a neutral pair with a retrieved premise
(:func:`retrieved_premises`), drawn from the claim-evidence rows of FEVER train."""


def load_training_examples(
    data_dir: str | Path, sources: Sequence[str], *, limit_per_source: int | None = None
) -> list[NLIExample]:
    """Read the named training sources from ``data_dir``.

    Args:
        data_dir: folder holding ``nli/`` and ``factcheck/`` (``../shared/data``).
        sources: keys of :data:`TRAINING_SOURCES`.
        limit_per_source: keep only the first N rows of each file (smoke tests).

    Raises:
        DataError: an unknown source, a missing file or an unreadable line.
    """
    examples: list[NLIExample] = []
    for name in sources:
        if name in UNPAIRED_CLAIM_SOURCES:
            continue
        if name not in TRAINING_SOURCES:
            raise DataError(
                f"unknown training source {name!r}; choose from {sorted(TRAINING_SOURCES)}"
            )
        source = TRAINING_SOURCES[name]
        rows = source.reader(Path(data_dir) / source.relative_path, name)
        examples.extend(rows[:limit_per_source] if limit_per_source else rows)
    return examples


def _pair_hash(example: NLIExample, salt: str) -> str:
    key = f"{salt}\t{example.premise}\t{example.hypothesis}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


def _in_group_slice(group: str, fraction: float, salt: str) -> bool:
    digest = hashlib.sha1(f"{salt}\t{group}".encode()).digest()
    return int.from_bytes(digest[:8], "big") < fraction * 2**64


def heldout_group(group: str, fraction: float, *, salt: str = "nli-heldout-v1") -> bool:
    """Whether a whole group (claim id, page title) belongs to the validation slice.

    Decided by a hash of the group's name, so unpaired claims and the pairs
    made from them land on the side their group does, on every machine.
    """
    return _in_group_slice(group, fraction, salt)


def split_heldout(
    examples: Sequence[NLIExample], fraction: float, *, salt: str = "nli-heldout-v1"
) -> tuple[list[NLIExample], list[NLIExample]]:
    """Hold out ``fraction`` of the data, the same on every run and machine.

    Rows with a ``group`` (a FEVER claim id, a VitaminC page title) go to one
    side together, chosen by a hash of the group, so no claim or page is on
    both sides. Ungrouped rows: ``fraction`` of every (source, label) group,
    chosen by hash of the pair; pairs with identical text land on the same side.

    Returns:
        ``(train, heldout)``, each in the input order.
    """
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"fraction must be in [0, 1), got {fraction}")
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    hashes = [_pair_hash(example, salt) for example in examples]
    for index, example in enumerate(examples):
        if not example.group:
            groups[(example.source, example.label)].append(index)
    heldout_hashes: set[str] = set()
    for indices in groups.values():
        ranked = sorted(indices, key=hashes.__getitem__)
        heldout_hashes.update(hashes[i] for i in ranked[: math.ceil(fraction * len(ranked))])
    held = [
        heldout_group(e.group, fraction, salt=salt) if e.group else h in heldout_hashes
        for e, h in zip(examples, hashes, strict=True)
    ]
    train = [e for e, out in zip(examples, held, strict=True) if not out]
    heldout = [e for e, out in zip(examples, held, strict=True) if out]
    return train, heldout


def mismatched_neutrals(
    examples: Sequence[NLIExample], fraction: float, rng: random.Random
) -> list[NLIExample]:
    """Neutral pairs made by giving a hypothesis the premise of another row of its source.

    A verifier shows the judge many passages that share a topic with the claim
    but say nothing about it; without such pairs a small model reads them as
    contradictions. Drawing the premise from the same source keeps it on
    topic for the claim-evidence sets (FEVER, COVID-Fact, SciFact).

    Returns:
        ``round(fraction * len(examples))`` new examples labelled ``neutral``,
        their source named ``<source>-mismatched``.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    by_source: dict[str, list[NLIExample]] = defaultdict(list)
    for example in examples:
        by_source[example.source].append(example)
    made = []
    for index in rng.sample(range(len(examples)), round(fraction * len(examples))):
        example = examples[index]
        pool = by_source[example.source]
        other = pool[rng.randrange(len(pool))]
        if len(pool) < 2 or other.premise == example.premise:
            continue
        made.append(
            NLIExample(other.premise, example.hypothesis, "neutral", f"{example.source}-mismatched")
        )
    return made


CLAIM_EVIDENCE_SOURCES = ("fever", "scifact")
"""Sources whose retrieved neighbours make trustworthy neutrals; mined only there.

In SNLI-style data a caption about another scene is labelled *contradiction*,
so pairing its hypotheses with a neighbour's premise would teach the opposite
convention. COVID-Fact is left out because its claims restate one another's
findings ("vaccine protects monkeys" / "intranasal vaccination of macaques
reduced shedding"), so a neighbour's evidence often does support the claim."""


def retrieved_neutrals(
    examples: Sequence[NLIExample],
    fraction: float,
    rng: random.Random,
    encode: Callable[[list[str]], Any],
    *,
    sources: Sequence[str] = CLAIM_EVIDENCE_SOURCES,
    candidates: int = 5,
    max_hypothesis_similarity: float = 0.7,
) -> list[NLIExample]:
    """Neutral pairs whose premise is what a retriever would wrongly bring to the claim.

    A verifier's judge mostly sees passages that the embedder ranked close to
    the claim yet that say nothing about it (Climate-FEVER's NOT_ENOUGH_INFO
    evidence is exactly that). Random mismatched premises
    (:func:`mismatched_neutrals`) are too easy to teach this. Here each chosen
    hypothesis gets one of the ``candidates`` premises of its own source
    nearest to it by ``encode``'s embeddings, skipping premises of rows whose
    hypothesis is the same or close (cosine above ``max_hypothesis_similarity``),
    since those premises may well support this claim too.

    Args:
        examples: the training rows (only those of ``sources`` are used).
        fraction: share of those rows that get a retrieved neutral.
        rng: chooses the rows and which of the nearest premises.
        encode: texts -> L2-normalised embeddings (a numpy array, one row each).

    Returns:
        new ``neutral`` examples, their source named ``<source>-retrieved``.
    """
    import numpy as np

    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    made: list[NLIExample] = []
    for source in sources:
        rows = [e for e in examples if e.source == source]
        premises = sorted({e.premise for e in rows})
        hypotheses = sorted({e.hypothesis for e in rows})
        if len(premises) < 2 or not fraction:
            continue
        premise_vectors = np.asarray(encode(premises), dtype=np.float32)
        hypothesis_vectors = np.asarray(encode(hypotheses), dtype=np.float32)
        premise_row = {text: i for i, text in enumerate(premises)}
        hypothesis_row = {text: i for i, text in enumerate(hypotheses)}
        hypotheses_of: dict[int, set[int]] = defaultdict(set)
        for example in rows:
            hypotheses_of[premise_row[example.premise]].add(hypothesis_row[example.hypothesis])
        for index in sorted(rng.sample(range(len(rows)), round(fraction * len(rows)))):
            example = rows[index]
            h = hypothesis_row[example.hypothesis]
            ranked = np.argsort(-(premise_vectors @ hypothesis_vectors[h]))
            near = []
            for p in ranked[: candidates * 20]:
                linked = hypotheses_of[int(p)]
                if (
                    linked
                    and max(float(hypothesis_vectors[h] @ hypothesis_vectors[o]) for o in linked)
                    > max_hypothesis_similarity
                ):
                    continue
                near.append(int(p))
                if len(near) == candidates:
                    break
            if near:
                premise = premises[near[rng.randrange(len(near))]]
                made.append(
                    NLIExample(premise, example.hypothesis, "neutral", f"{source}-retrieved")
                )
    return made


def load_unpaired_claims(
    data_dir: str | Path, sources: Sequence[str], *, limit_per_source: int | None = None
) -> list[UnpairedClaim]:
    """Read the claim-only sources among ``sources`` (see :data:`UNPAIRED_CLAIM_SOURCES`)."""
    claims: list[UnpairedClaim] = []
    for name in sources:
        if name in UNPAIRED_CLAIM_SOURCES:
            rows = read_unpaired_claims(Path(data_dir) / UNPAIRED_CLAIM_SOURCES[name], name)
            claims.extend(rows[:limit_per_source] if limit_per_source else rows)
    return claims


def nearest_rows(queries: Any, pool: Any, count: int, *, chunk: int = 1024) -> list[list[int]]:
    """Indices of the ``count`` pool rows with the highest dot product, best first, per query.

    Works through the queries in chunks so that the score matrix stays small.
    """
    import numpy as np

    queries = np.asarray(queries, dtype=np.float32)
    pool = np.asarray(pool, dtype=np.float32)
    count = min(count, len(pool))
    ranked: list[list[int]] = []
    for start in range(0, len(queries), chunk):
        scores = queries[start : start + chunk] @ pool.T
        top = np.argpartition(-scores, count - 1, axis=1)[:, :count]
        order = np.take_along_axis(scores, top, axis=1).argsort(axis=1)[:, ::-1]
        ranked.extend(np.take_along_axis(top, order, axis=1).tolist())
    return ranked


def _word_set(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def retrieved_premises(
    claims: Sequence[UnpairedClaim],
    pool: Sequence[NLIExample],
    encode: Callable[[list[str]], Any],
    rng: random.Random,
    *,
    candidates: int = 5,
    max_claim_overlap: float = 0.6,
) -> list[NLIExample]:
    """Neutral pairs for claims the evidence could not settle: each gets a near premise.

    The premise is one of the ``candidates`` premises of ``pool`` nearest to
    the claim by ``encode``'s embeddings, which is what a verifier's retriever
    brings: on topic, deciding nothing. Premises whose own claims share more
    than ``max_claim_overlap`` of their words (Jaccard) with this claim are
    skipped, since they may settle it after all.

    Returns:
        one ``neutral`` example per claim that found a premise, its source
        ``<source>-retrieved`` and its group the claim's.
    """
    premises = sorted({e.premise for e in pool})
    if not claims or len(premises) < 2:
        return []
    claims_of: dict[str, list[set[str]]] = defaultdict(list)
    for example in pool:
        claims_of[example.premise].append(_word_set(example.hypothesis))
    premise_vectors = encode(premises)
    claim_vectors = encode([c.claim for c in claims])
    made = []
    for claim, ranked in zip(
        claims, nearest_rows(claim_vectors, premise_vectors, candidates * 4), strict=True
    ):
        words = _word_set(claim.claim)
        near = []
        for index in ranked:
            linked = claims_of[premises[index]]
            if any(len(words & o) / max(1, len(words | o)) > max_claim_overlap for o in linked):
                continue
            near.append(premises[index])
            if len(near) == candidates:
                break
        if near:
            made.append(
                NLIExample(
                    near[rng.randrange(len(near))],
                    claim.claim,
                    "neutral",
                    f"{claim.source}-retrieved",
                    claim.group,
                )
            )
    return made


def bucketed_batches(
    lengths: Sequence[int], batch_size: int, rng: random.Random, *, bucket_batches: int = 64
) -> list[list[int]]:
    """Shuffle, then sort by length within windows of ``bucket_batches`` batches.

    Batches of similar lengths pad little; shuffling the windows and then the
    batches keeps the order random from epoch to epoch.

    Returns:
        Lists of indices into ``lengths``, every index exactly once.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = list(range(len(lengths)))
    rng.shuffle(order)
    window = batch_size * bucket_batches
    batches = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start : start + window], key=lengths.__getitem__)
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def iter_label_counts(examples: Sequence[NLIExample]) -> Iterator[tuple[str, str, int]]:
    """``(source, label, count)`` for a summary in the training log, sorted."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for example in examples:
        counts[(example.source, example.label)] += 1
    for (source, label), count in sorted(counts.items()):
        yield source, label, count


FEEDBACK_TARGETS = {
    "SUPPORTED": "entailment",
    "REFUTED": "contradiction",
    "NOT_ENOUGH_INFO": "neutral",
}
"""What a corrected verdict says about the passages that decide it.

A user who says a claim is SUPPORTED says the deciding evidence entails it;
REFUTED, that it contradicts it; NOT_ENOUGH_INFO, that it neither entails nor
contradicts it (neutral)."""


def feedback_examples(records: Sequence[Any], source: str = "feedback") -> list[NLIExample]:
    """Training pairs from users' corrections (:class:`verifier.feedback.FeedbackRecord`).

    Each correction becomes one pair per deciding passage: premise = the
    passage as the judge read it (with the sentence before when it opens with
    a word that refers back, as the pipeline does), hypothesis = the claim,
    label = :data:`FEEDBACK_TARGETS` of the label the user says is right.

    Which passages decide:

    * the verdict's deciding passages, when it had any: the judge misread them;
    * else (the verdict was NOT_ENOUGH_INFO, which rests on no passage) the one
      shown passage the judge found most entailing (for SUPPORTED) or most
      contradicting (for REFUTED): the evidence it should have acted on.

    A correction to NOT_ENOUGH_INFO of a verdict with no deciding passage, or
    with no passages at all, gives no pair. Every pair's ``group`` is its claim,
    so a claim's corrections stay on one side of a held-out split.
    """
    from verifier.text import leans_on_previous

    examples = []
    for record in records:
        # CONFLICTING says the sources disagree, not what any one passage says: no pair.
        if record.correct_label not in FEEDBACK_TARGETS:
            continue
        label = FEEDBACK_TARGETS[record.correct_label]
        chosen = [item for item in record.evidence if item.deciding]
        if not chosen and label != "neutral" and record.evidence:
            chosen = [max(record.evidence, key=lambda item: getattr(item.nli, label))]
        for item in chosen:
            premise = item.text
            if item.context_before and leans_on_previous(item.text):
                premise = f"{item.context_before} {item.text}"
            examples.append(
                NLIExample(premise, record.claim, label, source, f"claim:{record.claim.strip()}")
            )
    return examples
