"""Command-line bad input: one clear line on stderr, a non-zero exit, no traceback."""

from __future__ import annotations

import pytest

from verifier.io.cli import EXIT_BAD_INPUT, main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "", "--corpus", "x"], "error: the claim is empty"),
        (["check", "a" * 1200, "--corpus", "x"], "error: the claim is 1200 characters long"),
        (["check", "claim", "--corpus", "{tmp}/missing"], "error: corpus path does not exist"),
        (["check", "claim", "--index", "{tmp}/missing"], "error: index directory not found"),
        (
            ["check", "--corpus", "{tmp}", "--claims", "{tmp}/c.jsonl"],
            "error: --claims needs --out",
        ),
        (["check", "--corpus", "{tmp}"], "error: give either a CLAIM or --claims FILE"),
        (
            [
                "check",
                "--corpus",
                "{tmp}",
                "--claims",
                "{tmp}/none.jsonl",
                "--out",
                "{tmp}/r.jsonl",
            ],
            "error: claims file not found",
        ),
        (["index", "{tmp}/missing", "--out", "{tmp}/ix"], "error: corpus path does not exist"),
        (["index", "{tmp}/empty", "--out", "{tmp}/ix"], "error: the corpus is empty"),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path, capsys, argv, message):
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, *[arg.replace("{tmp}", str(tmp_path)) for arg in argv])
    assert code == EXIT_BAD_INPUT
    assert message in err
    assert "Traceback" not in err


def test_corrupt_index_is_reported(tmp_path, capsys):
    (tmp_path / "ix").mkdir()
    (tmp_path / "ix" / "CURRENT").write_text("v-gone")
    code, _, err = run(capsys, "check", "claim", "--index", str(tmp_path / "ix"))
    assert code == EXIT_BAD_INPUT
    assert "no manifest" in err


def test_unmappable_nli_model_is_reported(tmp_path, capsys):
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from verifier.registry import embedder_path

    model = tmp_path / "model"
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=2,
    )
    BertForSequenceClassification(config).save_pretrained(model)
    BertTokenizerFast.from_pretrained(embedder_path()).save_pretrained(model)
    (tmp_path / "doc.txt").write_text("The bridge opened in 2019.")
    code, _, err = run(
        capsys,
        "check",
        "The bridge opened",
        "--corpus",
        str(tmp_path / "doc.txt"),
        "--nli-model",
        str(model),
    )
    assert code == EXIT_BAD_INPUT
    assert "cannot map the NLI model's labels" in err


@pytest.mark.parametrize("value", ["0", "21", "1000000000", "2.5", "five"])
def test_a_top_k_outside_the_apps_bounds_is_refused_by_the_parser(tmp_path, capsys, value):
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "claim", "--corpus", str(tmp_path), "--top-k", value])
    assert exit_info.value.code == EXIT_BAD_INPUT
    assert f"--top-k: expected a whole number from 1 to 20, got '{value}'" in (
        capsys.readouterr().err
    )


def test_the_command_line_takes_up_to_the_apps_default_cap():
    from verifier.config import MAX_TOP_K
    from verifier.io.cli import _parser

    args = _parser().parse_args(["check", "claim", "--corpus", "x", "--top-k", str(MAX_TOP_K)])
    assert args.top_k == MAX_TOP_K == 20


def test_check_options_set_top_k_and_the_retired_options_are_refused():
    from verifier import VerifierConfig
    from verifier.io.cli import _parser, check_config

    default = check_config(_parser().parse_args(["check", "claim", "--corpus", "x"]))
    assert default == VerifierConfig()
    chosen = check_config(_parser().parse_args(["check", "claim", "--corpus", "x", "--top-k", "3"]))
    assert chosen.top_k == 3
    with pytest.raises(SystemExit):
        _parser().parse_args(["check", "claim", "--corpus", "x", "--decision", "thresholds"])
    with pytest.raises(SystemExit):
        _parser().parse_args(["check", "claim", "--corpus", "x", "--number-aware"])


@pytest.mark.parametrize(
    ("asked", "said"), [([], "flat, picked for its size"), (["--index-type", "hnsw"], "(hnsw)")]
)
def test_index_says_which_faiss_index_it_built(tmp_path, capsys, monkeypatch, asked, said):
    from tests.fakes import FakeEmbedder

    monkeypatch.setattr(
        "verifier.retrieval.Embedder", lambda model=None, backend=None: FakeEmbedder()
    )
    (tmp_path / "a.txt").write_text("The ferry left the quay at noon today.", encoding="utf-8")
    code, out, _ = run(
        capsys, "index", str(tmp_path / "a.txt"), "--out", str(tmp_path / "ix"), *asked
    )
    assert code == 0
    assert said in out
