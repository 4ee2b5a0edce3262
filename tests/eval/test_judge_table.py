"""The two-judge table counts false confirmations, reads each part, and lists changed verdicts."""

from __future__ import annotations

import json
from pathlib import Path

from eval.runs import judge_table


def claim(text: str, gold: str, verdict: str, confidence: float = 0.9) -> dict:
    return {"claim": text, "gold_label": gold, "verdict": verdict, "confidence": confidence}


def write_set(folder: Path, name: str, records: list[dict]) -> None:
    (folder / name).mkdir(parents=True)
    lines = "".join(json.dumps(record) + "\n" for record in records)
    (folder / name / "predictions.jsonl").write_text(lines, encoding="utf-8")


def report(folder: Path, swap_verdicts: list[str], news_verdict: str, vitaminc: float) -> Path:
    swaps = [claim(f"swap {n}", "REFUTED", v) for n, v in enumerate(swap_verdicts)]
    swaps.append(claim(judge_table.PINNED, "NOT_ENOUGH_INFO", "NOT_ENOUGH_INFO", 0.7))
    write_set(folder, "swap-news", swaps)
    write_set(folder, "swap-demo", [claim("demo swap", "NOT_ENOUGH_INFO", "SUPPORTED")])
    write_set(
        folder,
        "news",
        [claim("true", "SUPPORTED", news_verdict), claim("false", "REFUTED", "REFUTED")],
    )
    (folder / "vitaminc.json").write_text(json.dumps({"accuracy": vitaminc}), encoding="utf-8")
    return folder


def test_the_table_counts_false_confirmations_and_lists_what_changed(tmp_path: Path, capsys):
    before = report(tmp_path / "a", ["SUPPORTED", "SUPPORTED", "REFUTED"], "SUPPORTED", 0.681)
    after = report(tmp_path / "b", ["SUPPORTED", "REFUTED", "REFUTED"], "NOT_ENOUGH_INFO", 0.7)
    assert judge_table.main([str(before), str(after), "--names", "v9", "v10"]) == 0
    out = capsys.readouterr().out
    rows = {line.split(" | ")[0].lstrip("| "): line for line in out.splitlines()}
    swaps = rows["one-detail swaps SUPPORTED (news + demo; lower is better)"]
    assert "| 3 of 5 (2 + 1) | 2 of 5 (1 + 1) |" in swaps
    assert "| 2 of 2 | 1 of 2 |" in rows["news claims right"]
    assert "| 0 / 0 | 0 / 1 |" in rows["news claims: false SUPPORTED / true not SUPPORTED"]
    assert "| 0.6810 | 0.7000 |" in rows["VitaminC validation pairs, accuracy"]
    assert "| - | - |" in rows["MNLI held-out, accuracy"]  # not run: a dash
    assert "NOT_ENOUGH_INFO 0.70" in rows[f'"{judge_table.PINNED}"']
    assert "Verdicts that changed (2):" in out
    assert "- swap-news: swap 1 (gold REFUTED): SUPPORTED 0.90 -> REFUTED 0.90" in out
    assert "- news: true (gold SUPPORTED): SUPPORTED 0.90 -> NOT_ENOUGH_INFO 0.90" in out


def test_a_missing_folder_is_a_clear_error(tmp_path: Path, capsys):
    assert judge_table.main([str(tmp_path / "nowhere"), str(tmp_path)]) == 2
    assert "nowhere: no such report folder" in capsys.readouterr().err
