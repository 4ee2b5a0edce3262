"""The page's API: the ``check_claim`` endpoint, its described parameters and typed result.

Gradio derives an endpoint's schema from the function's type hints, so the
result is typed with the :class:`typing.TypedDict` shapes below, which mirror
``Verdict.to_dict()``; the parameters get their names and a description each,
which ``gradio_client``'s ``view_api()`` and ``/gradio_api/info`` show.

Example:
    >>> from gradio_client import Client                      # doctest: +SKIP
    >>> Client("http://127.0.0.1:7860/").predict(
    ...     "The library opened in 2005.", 5, api_name="/check_claim"
    ... )["verdict"]                                           # doctest: +SKIP
    'REFUTED'
"""

# No ``from __future__ import annotations``: gradio reads the endpoint's return type from
# the signature as an object, and a string annotation would make it ``Any``.
import functools
import logging
from collections.abc import Callable
from typing import Any, Literal, TypedDict

import gradio as gr

from app.state import GENERIC_ERROR, AppState
from app.state import top_k as allowed_top_k
from verifier import VerifierError

logger = logging.getLogger("app")


class NLIJSON(TypedDict):
    """The judge's probabilities for one claim/passage pair, and the largest one's label."""

    label: str
    entailment: float
    neutral: float
    contradiction: float


class EvidenceJSON(TypedDict):
    """One judged passage: where it is, its relevance, the judge's scores and its stance."""

    text: str
    source: str
    doc_id: str
    title: str
    start: int
    end: int
    context_before: str
    context_after: str
    score: float
    nli: NLIJSON
    stance: Literal["supports", "refutes", "neutral"]
    notes: list[str]
    retrieved_by: Literal["dense", "lexical", "both"]


class SourceJSON(TypedDict):
    """One document's strongest stance on the claim."""

    doc_id: str
    source: str
    title: str
    stance: str
    strength: float
    text: str


class VerdictJSON(TypedDict):
    """A verdict as ``Verdict.to_dict()`` writes it."""

    claim: str
    verdict: Literal["SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO", "CONFLICTING"]
    confidence: float
    evidence: list[EvidenceJSON]
    deciding: list[EvidenceJSON]
    sources: list[SourceJSON]
    warnings: list[str]
    probabilities: dict[str, float]


PARAMETERS = {
    "claim": "the statement to check, in English (up to 1,000 characters)",
    "top_k": "how many passages to retrieve and judge (1 to the server's cap; "
    "omit for the server's default)",
}
RESULT = (
    "the verdict: 'verdict' is SUPPORTED, REFUTED, NOT_ENOUGH_INFO or CONFLICTING, "
    "'confidence' its calibrated probability, 'deciding' the passages it rests on"
)


def api_error(endpoint: str, error: Exception) -> gr.Error:
    """The error an endpoint raises for ``error``, logged: call it in the ``except`` block.

    A refusal (a ``VerifierError`` or bad value) is one log line with its
    reason and goes back as it is; anything else is a fault, logged with its
    traceback, and the caller gets a generic message. Gradio prints neither.
    """
    if isinstance(error, VerifierError | ValueError):
        logger.info("refused a %s request: %s", endpoint, error)
        return gr.Error(str(error), print_exception=False)
    logger.exception("unexpected error in the %s API", endpoint)
    return gr.Error(GENERIC_ERROR, print_exception=False)


def check_claim_api(state: "AppState") -> None:
    """Add the ``check_claim`` endpoint to the page being built."""

    def check_claim(claim: str, top_k: int | None = None) -> VerdictJSON:
        """Check one claim against the loaded corpus; returns the verdict as JSON."""
        return state.verifier.verify(claim, allowed_top_k(state, top_k)).to_dict()

    add_endpoint(
        check_claim,
        description="Check one claim against the loaded corpus; returns the verdict, its "
        "confidence and the evidence as JSON (Verdict.to_dict()).",
        parameters=PARAMETERS,
        result_name="verdict",
        result=RESULT,
    )


def add_endpoint(
    answer: Callable[..., Any],
    *,
    description: str,
    parameters: dict[str, str],
    result_name: str,
    result: str,
) -> None:
    """Add ``answer`` to the page's API under its own name, with every part described.

    ``answer``'s signature and type hints make the endpoint's schema, and
    ``parameters`` names and describes its parameters in order, in place of
    "1st", "2nd". What it raises goes back as :func:`api_error` makes it: a
    refusal as it is, a fault as a generic message.
    """
    name = answer.__name__

    @functools.wraps(answer)
    def endpoint(*args: Any, **kwargs: Any) -> Any:
        try:
            return answer(*args, **kwargs)
        except Exception as error:
            raise api_error(name, error) from error

    added = gr.api(endpoint, api_name=name, api_description=description)
    page = gr.context.get_blocks_context()
    inputs = [page.blocks[block_id] for block_id in added["inputs"]]
    for component, (label, text) in zip(inputs, parameters.items(), strict=True):
        component.label = label
        component._api_info = {**component._api_info, "additional_description": text}
    for block_id in added["outputs"]:
        component = page.blocks[block_id]
        component.label = result_name
        component._api_info = {**component._api_info, "description": result}
