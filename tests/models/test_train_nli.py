"""The NLI training script on a tiny random BERT with the MiniLM tokenizer (seconds on CPU)."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from models import nli_training, train_nli  # noqa: E402
from models.nli_data import (  # noqa: E402
    DataError,
    NLIExample,
    bucketed_batches,
    read_covidfact,
    read_nli_jsonl,
    read_scifact_tsv,
    split_heldout,
)
from verifier.judging import map_labels  # noqa: E402

PAIRS = [
    NLIExample("A dog runs in the park.", "An animal is outside.", "entailment", "toy"),
    NLIExample("A dog runs in the park.", "The dog is asleep indoors.", "contradiction", "toy"),
    NLIExample("A dog runs in the park.", "The dog is chasing its owner.", "neutral", "toy"),
    NLIExample("The council met on Monday.", "The council held a meeting.", "entailment", "toy"),
    NLIExample("The council met on Monday.", "The council never met.", "contradiction", "toy"),
    NLIExample("The council met on Monday.", "The council met to vote on taxes.", "neutral", "toy"),
    NLIExample("Prices rose by 5% in May.", "Prices fell in May.", "not_entailment", "toy"),
    NLIExample("Prices rose by 5% in May.", "Prices went up in May.", "entailment", "toy"),
]


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    # Two intra-op threads on a busy 2-core machine make each tiny step take seconds.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tokenizer():
    return transformers.AutoTokenizer.from_pretrained(nli_training.default_backbone())


@pytest.fixture(scope="module")
def initial_model(tokenizer) -> torch.nn.Module:
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=3,
        id2label=nli_training.ID2LABEL,
        label2id=nli_training.LABEL2ID,
    )
    return transformers.BertForSequenceClassification(config)


@pytest.fixture
def tiny_model(initial_model):
    """A fresh copy of one random tiny BERT (building one takes seconds)."""
    return lambda: copy.deepcopy(initial_model)


def config(**overrides) -> nli_training.TrainConfig:
    settings = dict(
        learning_rate=1e-2,
        epochs=100,
        batch_size=4,
        max_length=32,
        warmup_ratio=0.1,
        eval_every=5,
        max_steps=40,
        device="cpu",
    )
    settings.update(overrides)
    return nli_training.TrainConfig(**settings)


def test_loss_goes_down_and_best_model_is_saved(tokenizer, tiny_model, tmp_path: Path) -> None:
    result = nli_training.train(
        tiny_model(), tokenizer, PAIRS, PAIRS[:4], config(), tmp_path, progress=False
    )
    assert result.steps == 40
    first, last = sum(result.losses[:4]) / 4, sum(result.losses[-4:]) / 4
    assert last < 0.7 * first
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["best_heldout_accuracy"] == result.best_score
    saved = json.loads((tmp_path / "best" / "config.json").read_text())
    assert saved["id2label"] == {"0": "entailment", "1": "neutral", "2": "contradiction"}
    assert map_labels(saved["id2label"]) == {"entailment": 0, "neutral": 1, "contradiction": 2}


def test_checkpoint_round_trips(tokenizer, tiny_model, tmp_path: Path) -> None:
    model = tiny_model()
    nli_training.train(
        model, tokenizer, PAIRS, PAIRS[:2], config(max_steps=4), tmp_path, progress=False
    )
    restored = tiny_model()
    state = nli_training.load_checkpoint(tmp_path / nli_training.CHECKPOINT_NAME, restored)
    assert state.step == 4
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, restored.state_dict()[name]), name


def test_resume_gives_the_same_weights_as_one_run(tokenizer, tiny_model, tmp_path: Path) -> None:
    straight = tiny_model()
    nli_training.train(
        straight, tokenizer, PAIRS, PAIRS[:2], config(max_steps=6), tmp_path / "a", progress=False
    )
    interrupted = tiny_model()
    cfg = config(max_steps=6)
    first = nli_training.train(
        interrupted, tokenizer, PAIRS, PAIRS[:2], cfg, tmp_path / "b", stop_after=3, progress=False
    )
    assert first.steps == 3
    resumed = tiny_model()
    second = nli_training.train(
        resumed, tokenizer, PAIRS, PAIRS[:2], cfg, tmp_path / "b", resume=True, progress=False
    )
    assert second.steps == 6
    for name, tensor in straight.state_dict().items():
        assert torch.allclose(tensor, resumed.state_dict()[name], atol=1e-6), name


def test_resume_without_checkpoint_is_refused(tokenizer, tiny_model, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="checkpoint"):
        nli_training.train(
            tiny_model(), tokenizer, PAIRS, PAIRS[:2], config(), tmp_path, resume=True
        )


def test_not_entailment_loss_is_minus_log_one_minus_p_entailment() -> None:
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    probabilities = logits.softmax(dim=-1)
    loss = nli_training.nli_loss(logits, torch.tensor([3, 2]))
    expected = -(torch.log(1 - probabilities[0, 0]) + torch.log(probabilities[1, 2])) / 2
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_lr_schedule_warms_up_and_decays() -> None:
    factors = [nli_training.lr_factor(step, 2, 10) for step in range(10)]
    assert factors[:2] == [0.5, 1.0]
    assert factors[2] == 1.0 and factors[-1] == pytest.approx(0.125)
    assert factors == sorted(factors[:2]) + sorted(factors[2:], reverse=True)


def test_heldout_split_is_stable_and_stratified() -> None:
    rows = [
        NLIExample(f"premise {i}", f"hypothesis {i}", label, "src")
        for i in range(300)
        for label in ("entailment", "neutral")
    ]
    train, heldout = split_heldout(rows, 0.02)
    assert len(heldout) == 12
    assert {row.label for row in heldout} == {"entailment", "neutral"}
    assert split_heldout(list(reversed(rows)), 0.02)[1] == list(reversed(heldout))
    assert not set(train) & set(heldout)


def test_bucketed_batches_cover_every_row_once() -> None:
    lengths = [random.Random(i).randint(5, 100) for i in range(103)]
    batches = bucketed_batches(lengths, 8, random.Random(1), bucket_batches=4)
    flat = sorted(i for batch in batches for i in batch)
    assert flat == list(range(103))
    assert all(len(batch) <= 8 for batch in batches)


def test_readers_map_labels_and_name_bad_lines(tmp_path: Path) -> None:
    covid = tmp_path / "covidfact.jsonl"
    covid.write_text(
        json.dumps({"claim": "X works", "label": "REFUTED", "evidence": ["A.", "B."]}) + "\n"
    )
    assert read_covidfact(covid)[0] == NLIExample("A. B.", "X works", "contradiction", "covidfact")
    tsv = tmp_path / "scifact.tsv"
    tsv.write_text(
        "index\tsentence1\tsentence2\tentailment\n0\tEvidence.\tClaim.\tnot_entailment\n"
    )
    assert read_scifact_tsv(tsv)[0].label == "not_entailment"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"premise": "a", "hypothesis": "b", "label": "entailment"}\n{oops\n')
    with pytest.raises(DataError, match=r"bad.jsonl:2"):
        read_nli_jsonl(bad, "x")
    with pytest.raises(DataError, match="not found"):
        read_nli_jsonl(tmp_path / "missing.jsonl", "x")


def run_command_line(
    tmp_path: Path, tokenizer, initial_model, sources: list[str], extra: list[str]
) -> tuple[int, Path, list[dict]]:
    """Train the tiny backbone for a few steps through ``main``; returns exit code, folder, held-out rows."""
    backbone = tmp_path / "backbone"
    initial_model.save_pretrained(backbone)
    tokenizer.save_pretrained(backbone)
    out = tmp_path / "run"
    argv = ["--data-dir", str(tmp_path / "data"), "--sources", *sources]
    argv += ["--backbone", str(backbone), "--output-dir", str(out), "--device", "cpu"]
    argv += ["--batch-size", "4", "--heldout-fraction", "0.3", "--no-progress"]
    argv += ["--cache-dir", str(tmp_path / "cache"), *extra]
    code = train_nli.main(argv)
    heldout_file = out / "heldout.jsonl"
    rows = [json.loads(line) for line in heldout_file.read_text().splitlines()] if code == 0 else []
    return code, out, rows


def test_command_line_run_writes_model_log_metrics_and_heldout_slice(
    tokenizer, initial_model, tmp_path: Path
) -> None:
    data = tmp_path / "data" / "nli"
    data.mkdir(parents=True)
    three_way = [e.to_dict() for e in PAIRS] * 4
    (data / "train.jsonl").write_text("".join(json.dumps(row) + "\n" for row in three_way))
    fever = [
        {
            "premise": f"{name} is a city in {country}.",
            "hypothesis": f"{name} is in {country}.",
            "label": "entailment",
        }
        for name, country in [
            ("Lyon", "France"),
            ("Porto", "Portugal"),
            ("Graz", "Austria"),
            ("Turin", "Italy"),
            ("Ghent", "Belgium"),
            ("Brno", "Czechia"),
        ]
    ]
    (data / "fever_pairs.jsonl").write_text("".join(json.dumps(row) + "\n" for row in fever))
    code, out, heldout = run_command_line(
        tmp_path,
        tokenizer,
        initial_model,
        ["nli", "fever"],
        ["--max-steps", "3", "--retrieved-neutrals", "1.0"],
    )
    assert code == 0
    sources = {row["source"] for row in heldout}
    assert {"fever", "fever-retrieved"} <= sources
    assert all(row["label"] == "neutral" for row in heldout if row["source"] == "fever-retrieved")
    assert json.loads((out / "best" / "config.json").read_text())["id2label"]["1"] == "neutral"
    assert "retrieved neutrals" in (out / "train.log").read_text()
    assert json.loads((out / "metrics.json").read_text())["total_steps"] == 3


def write_jsonl_rows(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def test_claim_data_lora_run_keeps_claims_on_one_side_and_rebuilds_as_a_judge(
    tokenizer, initial_model, tmp_path: Path
) -> None:
    data = tmp_path / "data" / "nli"
    data.mkdir(parents=True)
    cities = ["Lyon", "Porto", "Graz", "Turin", "Ghent", "Brno", "Cork", "Bern", "Oslo", "Riga"]
    fever = []
    for number, city in enumerate(cities):
        premise = f"{city} is a city with a cathedral and a river."
        fever.append(
            {
                "premise": premise,
                "hypothesis": f"{city} has a river.",
                "label": "entailment",
                "id": number,
            }
        )
        fever.append(
            {
                "premise": premise,
                "hypothesis": f"{city} has no river.",
                "label": "contradiction",
                "id": 100 + number,
            }
        )
    write_jsonl_rows(data / "fever_train.jsonl", fever)
    write_jsonl_rows(
        data / "fever_train_nei_claims.jsonl",
        [
            {"claim": f"{city} hosted a famous fair in 1850.", "label": "neutral", "id": 500 + n}
            for n, city in enumerate(cities)
        ],
    )
    write_jsonl_rows(
        data / "vitaminc_train.jsonl",
        [
            {
                "premise": f"{city} has {n} bridges.",
                "hypothesis": f"{city} has {n} bridges.",
                "label": "entailment",
                "title": city,
            }
            for n, city in enumerate(cities)
        ],
    )
    code, out, heldout = run_command_line(
        tmp_path,
        tokenizer,
        initial_model,
        ["fever-train", "fever-nei", "vitaminc"],
        ["--max-steps", "2", "--lora-rank", "2"],
    )
    assert code == 0
    assert any(row["source"] == "fever-nei-retrieved" for row in heldout)
    assert all(
        row["label"] == "neutral" for row in heldout if row["source"] == "fever-nei-retrieved"
    )
    # A held-out claim's group never has a row on the training side.
    from models.nli_data import heldout_group, load_training_examples

    every = load_training_examples(tmp_path / "data", ["fever-train", "vitaminc"])
    held_groups = {row["group"] for row in heldout if "group" in row}
    assert held_groups
    assert all(heldout_group(e.group, 0.3) == (e.group in held_groups) for e in every)
    adapter = json.loads((out / "best" / "adapter_config.json").read_text())
    assert adapter["base_model_name_or_path"] == str(tmp_path / "backbone")
    from verifier.judging import NLIJudge

    scores = NLIJudge(out / "best").predict([("Lyon is a city.", "Lyon has a river.")])
    assert sum((scores[0].entailment, scores[0].neutral, scores[0].contradiction)) == pytest.approx(
        1.0, abs=1e-4
    )


def test_native_bf16_is_told_from_the_cpu_flags() -> None:
    epyc = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_vnni avx512_bf16\n"
    sapphire = "flags\t\t: avx2 amx_tile amx_bf16 amx_int8\n"
    avx2_only = "flags\t\t: fpu sse2 avx2 fma\n"
    assert nli_training.cpu_has_bf16(epyc) and nli_training.cpu_has_bf16(sapphire)
    assert not nli_training.cpu_has_bf16(avx2_only)
    assert not nli_training.cpu_has_bf16("")
