"""Property-based fuzzing: bad input raises a ``VerifierError`` subclass or nothing, and no file is lost.

Four surfaces: claims (and paragraphs), corpus files of every format,
batch files of claims, and saved index folders (manifest and ``CURRENT``).
Modest example counts keep the default run fast; set
``VERIFIER_FUZZ_EXAMPLES`` for a longer run, e.g. ``VERIFIER_FUZZ_EXAMPLES=2000``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakes import FakeEmbedder, FakeJudge
from tests.retrieval.test_faiss_store import built
from verifier import Verifier, VerifierConfig
from verifier.corpus import read_corpus
from verifier.errors import VerifierError
from verifier.io.batch import read_claims
from verifier.retrieval import FaissStore

EXAMPLES = int(os.environ.get("VERIFIER_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Every code point, lone surrogates and controls included.
ANY_TEXT = st.text(
    alphabet=st.characters(categories=("L", "M", "N", "P", "S", "Z", "C")), max_size=300
)
TRICKY = st.sampled_from(
    ["\x00", "\x1b[31m", "\u200b", "\ufeff", "\ud800", "\udcff", "\u202e", "\r", "\n", "é", " "]
)
CLAIMISH = st.lists(
    st.one_of(ANY_TEXT, TRICKY, st.just("The bridge opened in 2019.")), max_size=6
).map("".join)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier.from_corpus(
        {
            "a.txt": "The harbour bridge opened in 2019 after long delays.",
            "b.txt": "The night ferry runs every forty minutes. It started in June.",
        },
        embedder=FakeEmbedder(),
        judge=FakeJudge(),
        config=VerifierConfig(decision="thresholds"),
    )


def only_verifier_errors(action, *args, **kwargs):
    """Run ``action``; a ``VerifierError`` is an answer too; anything else fails the test."""
    try:
        return action(*args, **kwargs)
    except VerifierError:
        return None


# ------------------------------------------------------------------ claims
@FUZZ
@given(claim=st.one_of(CLAIMISH, JSON_VALUES), top_k=st.one_of(st.none(), st.integers(-3, 30)))
def test_any_claim_gets_a_verdict_or_a_verifier_error(verifier, claim, top_k):
    verdict = only_verifier_errors(verifier.verify, claim, top_k)
    if verdict is not None:
        assert verdict.label in {"SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO", "CONFLICTING"}
        json.dumps(verdict.to_dict())


@FUZZ
@given(text=CLAIMISH)
def test_any_paragraph_gets_verdicts_or_a_verifier_error(verifier, text):
    spans = only_verifier_errors(verifier.verify_paragraph, text, max_sentences=20)
    for span in spans or ():
        assert text[span.start : span.end] == span.text


# ------------------------------------------------------------------ corpus files
SUFFIXES = st.sampled_from([".txt", ".md", ".html", ".htm", ".pdf", ".jsonl", ".csv", ".bin", ""])
ROW = st.dictionaries(
    st.sampled_from(["id", "text", "title", "body", "doc_id", "x"]), JSON_VALUES, max_size=4
)


def file_bytes() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=400),
        ANY_TEXT.map(lambda text: text.encode("utf-8", "surrogatepass")),
        st.lists(ROW, max_size=4).map(
            lambda rows: "\n".join(json.dumps(row) for row in rows).encode()
        ),
        st.lists(st.lists(ANY_TEXT, max_size=3), max_size=4).map(
            lambda rows: "\n".join(",".join(row) for row in rows).encode("utf-8", "surrogatepass")
        ),
        st.binary(max_size=200).map(lambda tail: b"%PDF-1.4\n" + tail),
    )


@FUZZ
@given(files=st.lists(st.tuples(SUFFIXES, file_bytes()), min_size=1, max_size=5))
def test_every_corpus_file_is_read_or_listed_as_skipped(files):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "corpus"
        root.mkdir()
        for number, (suffix, data) in enumerate(files):
            (root / f"f{number}{suffix}").write_bytes(data)
        result = only_verifier_errors(read_corpus, root)
        if result is None:
            return
        read = {Path(document.source).name for document in result.documents}
        skipped = {Path(item.path).name for item in result.skipped}
        assert read | skipped == {f"f{n}{suffix}" for n, (suffix, _) in enumerate(files)}
        assert not read & skipped
        for item in result.skipped:
            assert item.reason and "\n" not in item.reason and "\x1b" not in item.reason


@FUZZ
@given(texts=st.dictionaries(ANY_TEXT, st.one_of(ANY_TEXT, JSON_VALUES), max_size=4))
def test_in_memory_corpora_are_read_or_refused(texts):
    only_verifier_errors(read_corpus, texts)


# ------------------------------------------------------------------ claims files
@FUZZ
@given(
    suffix=st.sampled_from([".jsonl", ".csv"]),
    data=st.one_of(
        file_bytes(),
        st.lists(
            st.dictionaries(st.sampled_from(["claim", "label", "id"]), JSON_VALUES), max_size=4
        ).map(lambda rows: "\n".join(json.dumps(row) for row in rows).encode()),
        st.lists(ANY_TEXT, max_size=4).map(
            lambda claims: ("claim,label\n" + "\n".join(claims)).encode("utf-8", "surrogatepass")
        ),
    ),
)
def test_any_claims_file_is_read_or_refused_by_line(suffix, data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"claims{suffix}"
        path.write_bytes(data)
        records = only_verifier_errors(read_claims, path)
        for record in records or ():
            assert isinstance(record["claim"], str) and record["claim"].strip()


# ------------------------------------------------------------------ index folders
@pytest.fixture(scope="module")
def saved_index(tmp_path_factory) -> Path:
    index, _ = built(count=4)
    root = tmp_path_factory.mktemp("fuzz-index") / "ix"
    index.save(root)
    return root


FIELDS = st.sampled_from(
    ["format_version", "embedder_id", "dimension", "index_type", "passages", "documents",
     "files", "checksums", "surprise"]
)  # fmt: skip


@FUZZ
@given(
    edits=st.dictionaries(FIELDS, JSON_VALUES, min_size=1, max_size=3),
    current=st.one_of(
        st.none(),
        st.binary(max_size=40),
        ANY_TEXT.map(lambda text: text.encode("utf-8", "surrogatepass")),
    ),
)
def test_a_hand_edited_index_loads_or_is_refused_and_is_never_deleted(saved_index, edits, current):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "ix"
        root.mkdir()
        shutil.copytree(saved_index, root, dirs_exist_ok=True)
        version = next(item for item in root.iterdir() if item.is_dir())
        manifest = json.loads((version / "manifest.json").read_text())
        manifest.update(edits)
        (version / "manifest.json").write_text(json.dumps(manifest))
        if current is not None:
            (root / "CURRENT").write_bytes(current)
        before = sorted(path.relative_to(root) for path in root.rglob("*"))
        only_verifier_errors(FaissStore.load, root)
        assert sorted(path.relative_to(root) for path in root.rglob("*")) == before
