"""The library's edges: batch files of claims in, results out, and the command line.

The command line is ``verifier.io.cli`` (``python -m verifier``); it is not
imported here, since it loads the whole pipeline.
"""

from verifier.io.batch import CLAIMS_SUFFIXES, read_claims, result_record, results_csv, write_csv
from verifier.io.options import (
    add_backend_option,
    add_embedder_option,
    add_judge_options,
    add_pipeline_options,
    add_retrieval_option,
    add_store_options,
    chosen_embedder,
    open_store,
    positive_int,
)
from verifier.io.ray_batch import VerifierRecipe, check_on_ray, import_ray, start_ray
from verifier.records import write_jsonl

__all__ = [
    "CLAIMS_SUFFIXES",
    "VerifierRecipe",
    "add_backend_option",
    "add_embedder_option",
    "add_judge_options",
    "add_pipeline_options",
    "add_retrieval_option",
    "check_on_ray",
    "add_store_options",
    "import_ray",
    "chosen_embedder",
    "open_store",
    "positive_int",
    "start_ray",
    "read_claims",
    "result_record",
    "results_csv",
    "write_csv",
    "write_jsonl",
]
