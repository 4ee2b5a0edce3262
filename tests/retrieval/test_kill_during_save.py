"""``kill -9`` during a save leaves a loadable index, old or new, and the next save tidies up.

The BM25 index is saved in the same version folder, so it survives with the vectors.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from verifier.retrieval import FaissStore
from verifier.types import Passage

REPO = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("VERIFIER_KILLS", "4"))
SAVER = """
import sys
import numpy as np
from verifier.retrieval import FaissStore
from verifier.types import Passage

for round in range(10**6):
    count = 200 if round % 2 else 100
    index = FaissStore(16, "flat", "fake")
    vectors = np.random.default_rng(round).random((count, 16), dtype=np.float32)
    index.add(vectors, [Passage(f"d{n}", "s.txt", "", f"text {n}", 0, 6) for n in range(count)])
    index.save(sys.argv[1])
    print("saved", flush=True)
"""


def small_index(count: int) -> FaissStore:
    index = FaissStore(16, "flat", "fake")
    vectors = np.random.default_rng(0).random((count, 16), dtype=np.float32)
    index.add(vectors, [Passage(f"d{n}", "s.txt", "", f"text {n}", 0, 6) for n in range(count)])
    return index


def test_killing_a_save_never_leaves_a_broken_index(tmp_path):
    root = tmp_path / "ix"
    rng = random.Random(1)
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    for _ in range(KILLS):
        process = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(root)],
            stdout=subprocess.PIPE,
            env=environment,
            cwd=REPO,
        )
        assert process.stdout.readline().strip() == b"saved"
        time.sleep(rng.uniform(0.0, 0.3))
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stdout.close()
        assert len(FaissStore.load(root)) in {100, 200}
    small_index(7).save(root)
    assert len(FaissStore.load(root)) == 7
    assert len([d for d in root.iterdir() if d.name.startswith("v-")]) == 1


def test_killing_a_save_never_leaves_a_broken_lexical_index(tmp_path):
    root = tmp_path / "ix"
    rng = random.Random(2)
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    for _ in range(KILLS):
        process = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(root)],
            stdout=subprocess.PIPE,
            env=environment,
            cwd=REPO,
        )
        assert process.stdout.readline().strip() == b"saved"
        time.sleep(rng.uniform(0.0, 0.3))
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stdout.close()
        index = FaissStore.load(root)
        assert index.has_lexical
        # Every passage reads "text N": the number N finds passage N, in whichever version is live.
        assert [[p for p, _ in row] for row in index.lexical_search(["99", "7"], 1)] == [[99], [7]]
    small_index(7).save(root)
    assert FaissStore.load(root).lexical_search(["6"], 1)[0][0][0] == 6
