"""Claims are valid text: lone surrogates, invisible-only text and controls get a clear error."""

from __future__ import annotations

import pytest

from tests.fakes import FakeEmbedder, FakeJudge
from verifier import InvalidClaimError, Verifier, VerifierConfig
from verifier.claims import validate_claim
from verifier.errors import ClaimsFileError, InvalidSettingError, VerifierError
from verifier.io.batch import read_claims
from verifier.io.cli import EXIT_BAD_INPUT, main


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        ("The sky \ud800 is blue", "lone surrogate"),
        ("bad bytes \udcff", "lone surrogate"),
        ("\x00\x00\x00", "no visible characters"),
        ("\u200b\u200c\u200d\ufeff", "no visible characters"),
        ("\x1b\x07\x7f\x9b", "no visible characters"),
        ("\u2028 \u00a0", "empty"),
    ],
)
def test_invalid_claim_text_is_refused_by_name(claim, message):
    with pytest.raises(InvalidClaimError, match=message):
        validate_claim(claim, 1000)


def test_control_characters_inside_a_claim_are_dropped():
    assert validate_claim("The\x00 bridge\x1b opened.", 1000)[0] == "The bridge opened."


def test_a_batch_line_with_invalid_text_is_named(tmp_path):
    claims = tmp_path / "claims.jsonl"
    claims.write_text('{"claim": "Fine."}\n\n{"claim": "Bad \\ud800 text"}\n', encoding="utf-8")
    with pytest.raises(ClaimsFileError, match=r"claims.jsonl:3: .*lone surrogate"):
        read_claims(claims)
    csv_file = tmp_path / "claims.csv"
    csv_file.write_text("claim\nFine.\n\u200b\u200b\n", encoding="utf-8")
    with pytest.raises(ClaimsFileError, match=r"claims.csv:3: .*no visible"):
        read_claims(csv_file)
    invalid = tmp_path / "latin.jsonl"
    invalid.write_bytes(b'{"claim": "caf\xe9"}\n')
    with pytest.raises(ClaimsFileError, match="not UTF-8"):
        read_claims(invalid)


def test_the_cli_refuses_an_argument_of_invalid_utf8(capsys):
    # Python hands invalid UTF-8 in argv over as lone surrogates (surrogateescape).
    code = main(["check", b"caf\xe9 opened".decode("utf-8", "surrogateescape"), "--corpus", "x"])
    assert code == EXIT_BAD_INPUT
    assert "lone surrogate" in capsys.readouterr().err


def test_verify_many_names_the_claim_and_top_k_true_is_refused():
    verifier = Verifier.from_corpus(
        {"a.txt": "The bridge opened in 2019."},
        embedder=FakeEmbedder(),
        judge=FakeJudge(),
        config=VerifierConfig(),
    )
    with pytest.raises(InvalidClaimError, match="claim 2: .*no visible"):
        verifier.verify_many(["The bridge opened.", "\u200b"])
    with pytest.raises(InvalidSettingError, match="top_k"):
        verifier.verify("The bridge opened.", True)
    with pytest.raises(InvalidClaimError, match="paragraph .*lone surrogate"):
        verifier.verify_paragraph("The bridge opened in 2019. \udc80 It rained.")
    assert issubclass(InvalidSettingError, VerifierError) and issubclass(
        InvalidSettingError, ValueError
    )


def test_escape_sequences_from_documents_never_reach_the_terminal(tmp_path, capsys):
    (tmp_path / "doc.txt").write_text(
        "The bridge \x1b[2J\x1b]0;pwned\x07opened in 2019 after long delays.\n", encoding="utf-8"
    )
    (tmp_path / "evil\x1b[31m.pdf").write_bytes(b"%PDF-1.4 \x1b[5m broken")
    code = main(["index", str(tmp_path), "--out", str(tmp_path / "ix")])
    captured = capsys.readouterr()
    assert code == 0
    assert "\x1b" not in captured.out + captured.err
    assert "skipped" in captured.err
