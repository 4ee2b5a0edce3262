"""Checking a file of claims on Ray Data, for batches too big for one process.

    python -m verifier check --index DIR --claims IN --out OUT --engine ray [--ray-address ADDR]
    python -m verifier check --store milvus --milvus-uri URI --claims IN --out OUT --engine ray

The driver reads the claims exactly as the single-process path does (so a bad file
fails the same way), Ray Data runs retrieval and judging in ``map_batches`` over a
pool of actors that each build their :class:`~verifier.pipeline.Verifier` once, and
the driver gets the results back in input order, ready for the same JSONL/CSV writers.
A claim that fails in an actor comes back as its record with an ``"error"`` field.

Every actor opens the same store by its URI: a FAISS folder, or a Milvus server's
collection. A Milvus Lite folder belongs to one process at a time, so each actor
opens a read-only copy of its own (the driver closes it first).

Ray is an optional install (``pip install 'verifier[ray]'``) imported only here, and
only when ``--engine ray`` is asked for.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.errors import VerifierError
from verifier.io.batch import result_record
from verifier.io.options import positive_int
from verifier.retrieval.milvus_store import HNSW_EF

if TYPE_CHECKING:
    from types import ModuleType

    import numpy as np

    from verifier.config import VerifierConfig
    from verifier.pipeline import Verifier

ENGINES = ("local", "ray")
# Claims per map_batches call: two of the pipeline's embedding/judging batches, so an
# actor's cost per call is spread, yet a few hundred claims already keep several busy.
DEFAULT_BATCH_CLAIMS = 64
_LOCAL_WORKERS = 2


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--engine local|ray``, ``--ray-address`` and ``--ray-workers`` to ``check``."""
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=ENGINES[0],
        help="check --claims in this process (local, the default) or on Ray Data (ray; "
        "needs `pip install 'verifier[ray]'`)",
    )
    parser.add_argument(
        "--ray-address",
        help="a running Ray cluster (ray://HOST:10001 or auto); without it Ray starts "
        "locally. The cluster's workers must reach the --index directory at the same path",
    )
    parser.add_argument(
        "--ray-workers",
        type=positive_int,
        help=f"actors, each loading the models once (default: {_LOCAL_WORKERS} locally, "
        "one per CPU of a cluster)",
    )


@dataclass(frozen=True)
class VerifierRecipe:
    """How an actor builds its ``Verifier``: settings that pickle, never the models.

    Args:
        store: the store's URI, which every worker can reach: a directory written
            by ``verifier index``, a Milvus Lite ``.db`` folder, or a Milvus server.
        judge: the NLI model: a judge name, alias, path or hub id (as ``--nli-model``).
        backend: a backend of :mod:`verifier.backends`.
        config: the pipeline settings.
        kind: ``"faiss"`` or ``"milvus"``; ``None`` reads it from ``store``.
        collection: the Milvus collection.
        token: a Milvus server's credentials.
        hnsw_ef: candidates kept while searching a Milvus server's HNSW index.
        embedder: the embedder's name or folder (as ``--embedder``); ``None`` is the
            one a FAISS index records, else the shipped one.
    """

    store: str
    judge: str
    backend: str
    config: VerifierConfig
    kind: str | None = None
    collection: str = "passages"
    token: str = ""
    hnsw_ef: int = HNSW_EF
    embedder: str | None = None

    def build(self, scratch: str | Path | None = None) -> Verifier:
        """The actor's verifier; a Milvus Lite store is first copied into ``scratch``."""
        from verifier.judging import NLIJudge
        from verifier.pipeline import Verifier
        from verifier.retrieval import Embedder, open_store, recorded_embedder, store_kind

        kind = self.kind or store_kind(self.store)
        uri = self.store
        if kind == "milvus" and scratch is not None and Path(uri).exists():
            uri = str(Path(scratch) / Path(uri).name)
            if Path(self.store).is_dir():
                shutil.copytree(self.store, uri, ignore=shutil.ignore_patterns("LOCK"))
            else:
                shutil.copy2(self.store, uri)
        embedder = Embedder(self.embedder or recorded_embedder(uri), backend=self.backend)
        store = open_store(
            uri,
            dimension=embedder.dimension,
            embedder_id=embedder.model_id,
            kind=kind,
            collection=self.collection,
            token=self.token,
            hnsw_ef=self.hnsw_ef,
            create=False,
        )
        verifier = Verifier.open(
            store,
            embedder=embedder,
            judge=NLIJudge(self.judge, backend=self.backend),
            config=self.config,
        )
        verifier.warm_up()
        return verifier


def failed_record(record: Mapping[str, Any], error: str) -> dict[str, Any]:
    """The input record with no verdict and the reason its claim could not be checked.

    It has the same fields as a :func:`~verifier.io.batch.result_record`, plus ``"error"``.
    """
    return {
        **record,
        "verdict": None,
        "confidence": None,
        "evidence": [],
        "warnings": [],
        "error": error,
    }


def check_records(verifier: Verifier, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Result records for ``records``, in order; a claim that fails gets ``"error"`` instead.

    The batch is checked in one ``verify_many`` call; only if that fails is each claim
    checked alone, so one bad claim costs its batch's batching, not its neighbours' results.
    """
    try:
        verdicts = verifier.verify_many([record["claim"] for record in records])
    except Exception:  # noqa: BLE001 - find the claim at fault below, one at a time
        return [_check_one(verifier, record) for record in records]
    return [
        result_record(record, verdict) for record, verdict in zip(records, verdicts, strict=True)
    ]


def _check_one(verifier: Verifier, record: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return result_record(record, verifier.verify(record["claim"]))
    except VerifierError as error:
        return failed_record(record, str(error))
    except Exception as error:  # noqa: BLE001 - written with its error, not lost with the batch
        return failed_record(record, f"unexpected {type(error).__name__}: {error}")


class CheckBatch:
    """A Ray Data actor: builds its ``Verifier`` once, then checks batch after batch.

    Rows carry each record as JSON text, so records of different fields (and their
    exact types) pass through Arrow untouched.
    """

    def __init__(self, recipe: VerifierRecipe) -> None:
        # Removed with the actor: its copy of a Milvus Lite store, if it needs one.
        self._scratch = tempfile.TemporaryDirectory(prefix="verifier-actor-")
        self._verifier = recipe.build(self._scratch.name)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list[Any]]:
        records = [json.loads(text) for text in batch["record"]]
        results = check_records(self._verifier, records)
        return {
            "row": list(batch["row"]),
            "result": [json.dumps(result, ensure_ascii=False) for result in results],
        }


def import_ray() -> ModuleType:
    """The ``ray`` module with Ray Data, or a ``VerifierError`` saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401 - Ray Data is a separate extra of ray
    except ImportError as error:
        raise VerifierError(
            "--engine ray needs Ray Data, which is not installed: "
            "pip install 'verifier[ray]' (or 'ray[data]')"
        ) from error
    return ray


def start_ray(address: str | None, workers: int | None, *, verbose: bool = False) -> bool:
    """Connect to ``address``, or start Ray locally with ``workers`` CPUs; quiet unless ``verbose``.

    Returns whether this call started the connection (and so should shut it down):
    a Ray already initialised in this process, by a test or a notebook, is used as is.
    """
    ray = import_ray()
    # Ray's notices (token authentication, say) are for its operators, not
    # for someone checking a claims file: only errors show unless asked.
    level = logging.INFO if verbose else logging.ERROR
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(level)
    ray.data.DataContext.get_current().enable_progress_bars = verbose
    if ray.is_initialized():
        return False
    settings: dict[str, Any] = {"logging_level": level, "log_to_driver": verbose}
    if address:
        ray.init(address=address, **settings)
    else:
        cpus = workers or min(_LOCAL_WORKERS, os.cpu_count() or 1)
        ray.init(num_cpus=cpus, include_dashboard=False, **settings)
    return True


def check_on_ray(
    records: Sequence[Mapping[str, Any]],
    recipe: VerifierRecipe,
    *,
    address: str | None = None,
    workers: int | None = None,
    batch_claims: int = DEFAULT_BATCH_CLAIMS,
    verbose: bool = False,
) -> list[dict[str, Any]]:
    """Check ``records`` (each with a ``"claim"``) on Ray Data; results in input order.

    Args:
        records: claim records as :func:`~verifier.io.batch.read_claims` returns them.
        recipe: how each actor builds its verifier.
        address: a Ray cluster to connect to; ``None`` starts Ray locally.
        workers: actors in the pool; ``None`` is one per CPU Ray has.
        batch_claims: claims per ``map_batches`` call.
        verbose: show Ray's logs and progress bars.

    Returns:
        One record per input: :func:`~verifier.io.batch.result_record`'s, or the input
        with ``"error"`` for a claim that could not be checked.

    Example:
        >>> from verifier.config import VerifierConfig
        >>> recipe = VerifierRecipe("index/", "fast", "torch", VerifierConfig())
        >>> results = check_on_ray([{"claim": "The bridge opened in 2019."}], recipe)
        >>> sorted(results[0])[:3]
        ['claim', 'confidence', 'evidence']
    """
    if not records:
        return []
    ray = import_ray()
    started = start_ray(address, workers, verbose=verbose)
    try:
        pool = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        rows = [
            {"row": row, "record": json.dumps(record, ensure_ascii=False)}
            for row, record in enumerate(records)
        ]
        checked = ray.data.from_items(rows).map_batches(
            CheckBatch,
            fn_constructor_args=(recipe,),
            batch_size=batch_claims,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=pool),
            num_cpus=1,
        )
        results = sorted(checked.iter_rows(), key=lambda row: row["row"])
    finally:
        if started:
            ray.shutdown()
    return [json.loads(row["result"]) for row in results]
