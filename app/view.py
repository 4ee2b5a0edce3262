"""Turn results into what the web app shows: HTML, chart data, CSV, JSON.

Pure functions over the library's result types, so they are tested without a
browser; ``app.ui`` only wires them to gradio components. All text from
documents and users is HTML-escaped here.

Example:
    >>> from verifier.types import Verdict
    >>> verdict = Verdict("The sky is green.", "NOT_ENOUGH_INFO", 0.7, (), (), ())
    >>> "NOT ENOUGH INFO" in verdict_badge_html(verdict)
    True
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from html import escape
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from verifier.corpus import SUPPORTED_SUFFIXES
from verifier.decision import (
    ClassificationReport,
    classification_report,
    decided_by,
    gold_label,
    is_weak_evidence_warning,
    weak_evidence_floor,
)
from verifier.types import (
    CONFLICTING,
    CONTRADICTION,
    ENTAILMENT,
    NEUTRAL,
    NEUTRAL_STANCE,
    NOT_ENOUGH_INFO,
    REFUTED,
    REFUTES,
    SUPPORTED,
    SUPPORTS,
    VERDICT_LABELS,
    Evidence,
    Passage,
    SkippedFile,
    Verdict,
)

if TYPE_CHECKING:
    from verifier.types import ClaimSpan, CorpusStats, LoadReport

VERDICT_NAMES = {
    SUPPORTED: "SUPPORTED",
    REFUTED: "REFUTED",
    NOT_ENOUGH_INFO: "NOT ENOUGH INFO",
    CONFLICTING: "CONFLICTING",
}
# Badge colours: white text on each passes WCAG AA contrast.
VERDICT_COLOURS = {
    SUPPORTED: "#1a7f37",
    REFUTED: "#cf222e",
    NOT_ENOUGH_INFO: "#57606a",
    CONFLICTING: "#9a6700",
}


def _tint(colour: str, percent: int) -> str:
    """``colour`` made see-through, so it tints the theme's own background, light or dark."""
    return f"color-mix(in srgb, {colour} {percent}%, transparent)"


# A symbol and an underline style per verdict, so none is told by colour alone.
VERDICT_SYMBOLS = {SUPPORTED: "✓", REFUTED: "✗", NOT_ENOUGH_INFO: "?", CONFLICTING: "⇄"}
VERDICT_LINES = {
    SUPPORTED: "solid",
    REFUTED: "double",
    NOT_ENOUGH_INFO: "dotted",
    CONFLICTING: "dashed",
}


# Tints behind the theme's text colour, for sentences of a checked paragraph.
VERDICT_BACKGROUNDS = {label: _tint(colour, 22) for label, colour in VERDICT_COLOURS.items()}
NLI_COLOURS = {ENTAILMENT: "#1a7f37", NEUTRAL: "#57606a", CONTRADICTION: "#cf222e"}
STANCE_COLOURS = {SUPPORTS: "#1a7f37", REFUTES: "#cf222e", NEUTRAL_STANCE: "#8c959f"}
# Chips carry white text, so the neutral one takes the darker grey (WCAG AA).
STANCE_TEXT_COLOURS = {**STANCE_COLOURS, NEUTRAL_STANCE: "#57606a"}
STANCE_NAMES = {SUPPORTS: "supports", REFUTES: "contradicts", NEUTRAL_STANCE: "says nothing"}
"""A stance in plain words, the same on cards, bars and in the explanation."""
STRONG_STANCE = 0.5
"""A document takes its side outright at this probability or above; below it, it leans."""

# Example claims: the fewest words of a statement, and the longest label shown for one.
_EXAMPLE_MIN_WORDS = 5
EXAMPLE_LABEL_CHARS = 60

_MARKDOWN_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
# Text and surfaces take gradio's theme variables, so they follow light and dark mode.
_TEXT = "color:var(--body-text-color)"
# Gradio's "subdued" grey is 1.9:1 on the light theme's white, under WCAG's 4.5:1, so
# secondary lines keep the body colour and are set apart by size instead.
_SUBDUED = "color:var(--body-text-color);font-size:0.9em"
_CARD = (
    "border:1px solid var(--border-color-primary);border-radius:8px;padding:10px 12px;"
    f"margin:8px 0;background:var(--block-background-fill);{_TEXT};"
)
_HIGHLIGHT = _tint("#d4a72c", 40)


def verdict_name(label: str) -> str:
    """The label as shown to people: ``NOT_ENOUGH_INFO`` becomes ``NOT ENOUGH INFO``."""
    return VERDICT_NAMES.get(label, label.replace("_", " "))


def verdict_symbol(label: str) -> str:
    """The verdict's symbol: ✓ supported, ✗ refuted, ? not enough info, ⇄ conflicting."""
    return VERDICT_SYMBOLS.get(label, VERDICT_SYMBOLS[NOT_ENOUGH_INFO])


def _verdict_line(label: str) -> str:
    colour = VERDICT_COLOURS.get(label, VERDICT_COLOURS[NOT_ENOUGH_INFO])
    style = VERDICT_LINES.get(label, VERDICT_LINES[NOT_ENOUGH_INFO])
    return f"border-bottom:4px {style} {colour};"


def format_probability(value: float) -> str:
    """A probability as a percentage with one decimal, rounded down: ``0.8739 -> '87.3%'``.

    Every probability on the page goes through here, rounded down so a value
    below a threshold never shows as equal to it (0.4996 is 49.9%, not 50.0%).

    Example:
        >>> format_probability(0.495), format_probability(0.29), format_probability(1.0)
        ('49.5%', '29.0%', '100.0%')
    """
    tenths = (Decimal(repr(float(value))) * 1000).to_integral_value(rounding=ROUND_FLOOR)
    return f"{tenths / 10:.1f}%"


def format_score(value: float) -> str:
    """A retrieval (cosine) score with two decimals, shown to people as relevance."""
    return f"{float(value):.2f}"


def _chip(text: str, colour: str) -> str:
    return (
        f'<span style="display:inline-block;background:{colour};color:#ffffff;'
        'border-radius:10px;padding:1px 8px;font-size:0.8em;font-weight:600;">'
        f"{escape(text)}</span>"
    )


def source_name(source: str) -> str:
    """A document as the page names it: its file name, without the server's folders."""
    return PurePath(source).name or source


def _names(items: Iterable[Evidence], stance: str) -> list[str]:
    """The documents of ``items`` whose passages take ``stance``, each once, in order."""
    return list(
        dict.fromkeys(source_name(item.passage.source) for item in items if item.stance == stance)
    )


def explanation(verdict: Verdict) -> str:
    """One sentence saying which sources decided the verdict and how.

    It reads the verdict model's stances only: the passages that decided the
    verdict by taking its side (and any taking the other side, outweighed),
    or, with no verdict, the passages that lean one way without settling it.

    Example:
        >>> from verifier.types import Verdict
        >>> explanation(Verdict("The sky is green.", "NOT_ENOUGH_INFO", 0.7, (), (), ()))
        'No passage in the corpus is close to this claim.'
    """
    if not verdict.evidence:
        return "No passage in the corpus is close to this claim."
    if verdict.label == NOT_ENOUGH_INFO:
        leaning = [
            f"{_count(len(names), 'source')} {'leans' if len(names) == 1 else 'lean'} "
            f"towards {verb} it ({', '.join(names)})"
            for stance, verb in ((SUPPORTS, "supporting"), (REFUTES, "contradicting"))
            if (names := _names(verdict.evidence, stance))
        ]
        if not leaning:
            return "None of the passages found supports or contradicts the claim."
        return f"Not enough to decide: {'; '.join(leaning)}, too weakly to settle it."
    decided = decided_by(verdict)
    if not decided:
        return (
            f"No single passage {'supports' if verdict.label == SUPPORTED else 'contradicts'} "
            "the claim on its own; the passages read together point this way."
        )
    phrases = []
    for stance, one, many in (
        (SUPPORTS, "supports", "support"),
        (REFUTES, "contradicts", "contradict"),
    ):
        if names := _names(decided, stance):
            noun = "" if phrases else (" source" if len(names) == 1 else " sources")
            verb = one if len(names) == 1 else many
            phrases.append(f"{len(names)}{noun} {verb} it ({', '.join(names)})")
    sentence = "; ".join(phrases) + "."
    if verdict.label != CONFLICTING:
        other = REFUTES if verdict.label == SUPPORTED else SUPPORTS
        if against := _names(verdict.evidence, other):
            sentence += f" Outweighed, on the other side: {', '.join(against)}."
    return sentence


def confidence_meaning(verdict: Verdict) -> str:
    """What the confidence means, when the fitted model gave calibrated probabilities."""
    if not verdict.probabilities:
        return ""
    shown = format_probability(verdict.confidence)
    if verdict.label == CONFLICTING:
        return (
            f"For a conflict the confidence is the weaker side's: read alone, each of the two "
            f"sources takes its side with a calibrated probability of {shown} or more, and "
            f"the judge finds their passages contradicting each other."
        )
    in_ten = round(float(verdict.confidence) * 10)
    return (
        f"The confidence is a calibrated probability: of verdicts given {shown} "
        f"confidence, about {in_ten} in 10 are right."
    )


def verdict_warnings(verdict: Verdict) -> list[str]:
    """The verdict's warnings as the page words them: numbers formatted as everywhere else.

    The weak-evidence warning is rewritten with :func:`format_probability`, so
    its confidence reads as the badge's does and stays below the floor it names.
    """
    shown = []
    floor = weak_evidence_floor(verdict)
    for warning in verdict.warnings:
        if is_weak_evidence_warning(warning) and floor is not None:
            warning = (
                f"weak evidence: confidence {format_probability(verdict.confidence)} is below "
                f"{format_probability(floor)}; treat this verdict as a guess"
            )
        shown.append(warning)
    return shown


def _warning_html(text: str, css_class: str) -> str:
    return (
        f'<div class="{css_class}" style="{_TEXT};border-left:3px solid #9a6700;'
        f'padding-left:6px;margin-top:4px;">&#9888; {escape(text)}</div>'
    )


def verdict_badge_html(verdict: Verdict) -> str:
    """The verdict as a coloured badge with its confidence, why it was reached, and warnings."""
    colour = VERDICT_COLOURS.get(verdict.label, VERDICT_COLOURS[NOT_ENOUGH_INFO])
    notes = list(dict.fromkeys(note for item in decided_by(verdict) for note in item.notes))
    meaning = confidence_meaning(verdict)
    why = (
        f'<div class="verdict-why" style="margin-top:6px;">{escape(explanation(verdict))}</div>'
        + "".join(_warning_html(note, "verdict-note") for note in notes)
        + (
            f'<div class="verdict-confidence-meaning" style="{_SUBDUED};font-size:0.85em;'
            f'margin-top:4px;">{escape(meaning)}</div>'
            if meaning
            else ""
        )
    )
    warnings = "".join(
        _warning_html(warning, "verdict-warning") for warning in verdict_warnings(verdict)
    )
    return (
        f'<div class="verdict" data-verdict="{escape(verdict.label)}" style="{_TEXT}">'
        f'<span class="verdict-badge" style="display:inline-block;background:{colour};'
        "color:#ffffff;border-radius:6px;padding:6px 14px;font-size:1.3em;font-weight:700;"
        # The light theme colours spans in HTML blocks: the inner ones take the badge's white.
        f'letter-spacing:0.03em;"><span class="verdict-symbol" aria-hidden="true" '
        f'style="color:inherit;">{verdict_symbol(verdict.label)}</span> '
        f'<span class="verdict-name" style="color:inherit;">'
        f"{escape(verdict_name(verdict.label))}</span></span>"
        f'<span class="verdict-confidence" style="margin-left:12px;font-size:1.1em;'
        f'white-space:nowrap;">confidence {format_probability(verdict.confidence)}</span>'
        f'<div class="verdict-claim" style="margin-top:6px;{_SUBDUED};">'
        f"Claim: {escape(verdict.claim)}</div>{why}{warnings}</div>"
    )


LEGEND = (
    "<b>supports</b> / <b>contradicts</b> / <b>says nothing</b>: what a passage or document "
    "tells about the claim, as the verdict model reads it (the judge's <i>entailment</i>, "
    "<i>contradiction</i> and <i>neutral</i> scores read the sentence alone). "
    "<b>relevance</b>: how close a passage's meaning is to the claim's, 0 to 1."
)


def legend_html() -> str:
    """One line saying what the stance words and "relevance" mean."""
    return f'<div class="stance-legend" style="{_SUBDUED};font-size:0.85em;">{LEGEND}</div>'


def highlight_html(passage: Passage) -> str:
    """The passage's sentence marked inside its neighbouring sentences."""
    before = escape(passage.context_before.strip())
    after = escape(passage.context_after.strip())
    marked = (
        f'<mark style="background:{_HIGHLIGHT};{_TEXT};padding:0 2px;">'
        f"{escape(passage.text)}</mark>"
    )
    return " ".join(part for part in (before, marked, after) if part)


def visible_evidence(verdict: Verdict, *, show_neutral: bool) -> tuple[Evidence, ...]:
    """The evidence to list: all of it, or only passages that take a side."""
    if show_neutral:
        return verdict.evidence
    return tuple(item for item in verdict.evidence if item.stance != NEUTRAL_STANCE)


def _probability_bar(nli: Any) -> str:
    cells = []
    for label, value in (
        (ENTAILMENT, nli.entailment),
        (NEUTRAL, nli.neutral),
        (CONTRADICTION, nli.contradiction),
    ):
        cells.append(
            f'<span class="prob prob-{label}" style="margin-right:12px;white-space:nowrap;">'
            '<span style="display:inline-block;width:0.7em;height:0.7em;border-radius:2px;'
            f'margin-right:3px;background:{NLI_COLOURS[label]};"></span>'
            f"{label} {format_probability(value)}</span>"
        )
    return "judge, sentence alone: " + "".join(cells)


FOUND_BY = {
    "dense": ("found by meaning", "in the embedder's nearest passages (dense)"),
    "lexical": ("found by its words", "in BM25's best passages only (lexical)"),
    "both": ("found by meaning and words", "in both the dense and the lexical (BM25) list"),
}
"""How each ``Evidence.retrieved_by`` reads on a card, and its tooltip."""


def evidence_card_html(item: Evidence, rank: int, *, deciding: bool = False) -> str:
    """One evidence passage: its stance, relevance, how it was found, source, the judge's scores.

    The chip is the passage's stance as the verdict model reads it; a passage
    the verdict rests on (``deciding``, which takes the verdict's side) is tagged.
    """
    passage = item.passage
    name = source_name(passage.source)
    title = (
        f' <span style="{_SUBDUED};">— {escape(passage.title)}</span>'
        if passage.title and passage.title != name
        else ""
    )
    notes = "".join(
        f'<div class="evidence-note" style="{_TEXT};font-size:0.85em;">&#9888; {escape(note)}</div>'
        for note in item.notes
    )
    tag = (
        '<span class="evidence-deciding" style="border:1px solid var(--border-color-primary);'
        'border-radius:10px;padding:0 8px;font-weight:600;">decided the verdict</span>'
        if deciding
        else ""
    )
    stance = STANCE_NAMES.get(item.stance, item.stance)
    return (
        f'<div class="evidence-card" data-stance="{escape(item.stance)}" '
        f'data-deciding="{str(deciding).lower()}" data-source="{escape(name)}" style="{_CARD}'
        f'border-left:5px solid {STANCE_COLOURS.get(item.stance, "#8c959f")};">'
        '<div style="display:flex;flex-wrap:wrap;gap:8px;align-items:center;font-size:0.9em;">'
        f'<b>#{rank}</b><span class="evidence-stance">'
        f"{_chip(stance, STANCE_TEXT_COLOURS.get(item.stance, '#57606a'))}</span>"
        f"{tag}"
        f'<span class="evidence-score">relevance {format_score(item.retrieval_score)}</span>'
        f"{_found_by(item.retrieved_by)}"
        f'<span class="evidence-source" title="{escape(passage.source)}" '
        f'style="overflow-wrap:anywhere;">source: <b>{escape(name)}</b>{title}</span></div>'
        f'<div class="evidence-probs" style="font-size:0.85em;margin:4px 0;">'
        f"{_probability_bar(item.nli)}</div>"
        f'<div class="evidence-text" style="line-height:1.5;">{highlight_html(passage)}</div>'
        f"{notes}</div>"
    )


def _found_by(retrieved_by: str) -> str:
    label, explanation = FOUND_BY.get(retrieved_by, (retrieved_by, ""))
    return (
        f'<span class="evidence-found-by" data-retrieved-by="{escape(retrieved_by)}" '
        f'title="{escape(explanation)}" style="{_SUBDUED};">{escape(label)}</span>'
    )


def evidence_cards_html(verdict: Verdict, *, show_neutral: bool) -> str:
    """The deciding cards first and tagged, then the others folded under "other passages".

    A deciding card is one of ``decided_by(verdict)``: it takes the verdict's
    side on its own. When nothing decided the verdict the fold starts open, as
    those passages are all there is; the count of hidden neutral passages follows.
    """
    decided = decided_by(verdict)
    shown = visible_evidence(verdict, show_neutral=show_neutral)
    hidden = len(verdict.evidence) - len(shown)
    others = [item for item in shown if item not in decided]
    parts = [
        evidence_card_html(item, rank, deciding=True) for rank, item in enumerate(decided, start=1)
    ]
    if others:
        cards = "".join(
            evidence_card_html(item, rank)
            for rank, item in enumerate(others, start=len(decided) + 1)
        )
        parts.append(
            f'<details class="other-passages"{"" if decided else " open"}>'
            f'<summary style="cursor:pointer;">{_count(len(others), "other passage")}</summary>'
            f"{cards}</details>"
        )
    if hidden:
        parts.append(
            f'<p class="evidence-hidden" style="{_SUBDUED};">{hidden} passage'
            f"{'s' if hidden != 1 else ''} that say{'' if hidden != 1 else 's'} nothing "
            f"hidden; tick “show neutral evidence” to list {'them' if hidden != 1 else 'it'}.</p>"
        )
    if not verdict.evidence:
        parts.append(f'<p style="{_SUBDUED};">No passage in the corpus is close to this claim.</p>')
    return f'<div class="evidence-list">{"".join(parts)}</div>'


@dataclass(frozen=True)
class SourceBar:
    """One document's stance on a claim, as a bar of the per-source chart.

    ``stance`` and ``strength`` are the verdict model's reading of the
    document (its strongest passage); ``also`` counts its passages that take
    another side than ``stance``, by side.
    """

    source: str
    stance: str
    strength: float
    also: tuple[tuple[str, int], ...] = ()

    @property
    def leans(self) -> bool:
        """Whether the document takes its side below even odds, so it only leans that way."""
        return self.stance != NEUTRAL_STANCE and self.strength < STRONG_STANCE

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "stance": self.stance,
            "strength": self.strength,
            "also": dict(self.also),
        }


def source_chart_data(verdict: Verdict) -> list[SourceBar]:
    """One bar per document: supporting ones first, then contradicting, then neutral."""
    order = {SUPPORTS: 0, REFUTES: 1, NEUTRAL_STANCE: 2}
    bars = []
    for item in verdict.sources:
        sides = [
            evidence.stance
            for evidence in verdict.evidence
            if evidence.passage.doc_id == item.doc_id
            and evidence.stance not in (NEUTRAL_STANCE, item.stance)
        ]
        bars.append(
            SourceBar(
                source=source_name(item.source),
                stance=item.stance,
                strength=float(item.strength),
                also=tuple((side, sides.count(side)) for side in dict.fromkeys(sides)),
            )
        )
    return sorted(bars, key=lambda bar: (order.get(bar.stance, 3), -bar.strength, bar.source))


def bar_text(bar: SourceBar) -> str:
    """What a source's bar says: its stance and strength, whether it only leans, other sides."""
    text = f"{STANCE_NAMES.get(bar.stance, bar.stance)} {format_probability(bar.strength)}"
    if bar.leans:
        text += " (leans)"
    for side, count in bar.also:
        verb = STANCE_NAMES[side] if count == 1 else STANCE_NAMES[side].removesuffix("s")
        text += f"; {_count(count, 'passage')} {verb}"
    return text


def source_summary(bars: Sequence[SourceBar]) -> list[str]:
    """The chart's heading line: the documents on each side, those only leaning apart."""
    summary = []
    for stance, heading in ((SUPPORTS, "Supports"), (REFUTES, "Contradicts")):
        strong = [bar.source for bar in bars if bar.stance == stance and not bar.leans]
        weak = [bar.source for bar in bars if bar.stance == stance and bar.leans]
        if strong:
            summary.append(f"<b>{heading}:</b> {escape(', '.join(strong))}")
        if weak:
            summary.append(
                f"<b>Leans towards {heading.lower()[:-1]}ing:</b> {escape(', '.join(weak))}"
            )
    return summary or ["No document takes a side."]


def source_chart_html(verdict: Verdict) -> str:
    """The per-source summary: a horizontal bar per document, coloured by its stance."""
    bars = source_chart_data(verdict)
    if not bars:
        return f'<div class="source-chart" style="{_SUBDUED};">No sources to summarise.</div>'
    rows = []
    for bar in bars:
        colour = STANCE_COLOURS.get(bar.stance, "#8c959f")
        width = max(0.0, min(1.0, bar.strength)) * 100
        rows.append(
            f'<div class="source-bar" data-stance="{escape(bar.stance)}" '
            f'data-source="{escape(bar.source)}" data-leans="{str(bar.leans).lower()}" '
            'style="display:flex;flex-wrap:wrap;align-items:center;gap:2px 8px;margin:4px 0;'
            'font-size:0.85em;">'
            f'<span class="source-bar-name" style="flex:1 1 30%;min-width:8em;'
            f'overflow-wrap:anywhere;">{escape(bar.source)}</span>'
            '<span style="flex:1 1 25%;min-width:4em;background:var(--border-color-primary);'
            'border-radius:4px;height:14px;">'
            f'<span style="display:block;width:{width:.1f}%;height:14px;background:{colour};'
            'border-radius:4px;"></span></span>'
            f'<span class="source-bar-text" style="flex:1 1 30%;">{escape(bar_text(bar))}</span>'
            "</div>"
        )
    return (
        f'<div class="source-chart" style="{_TEXT}">'
        '<div style="font-weight:600;margin-bottom:4px;">Per-source stance '
        f'<span style="{_SUBDUED};font-weight:400;">(each document\'s strongest passage, '
        "as the verdict model reads it)</span></div>"
        f'<div class="source-summary" style="margin-bottom:6px;">'
        f"{' &nbsp; '.join(source_summary(bars))}</div>{''.join(rows)}</div>"
    )


def _is_example_claim(text: str) -> bool:
    """A complete statement worth offering as an example: not a fragment, heading or question."""
    return (
        30 <= len(text) <= 200
        and text[0].isupper()
        and text[-1] in ".!"
        and len(text.split()) >= _EXAMPLE_MIN_WORDS
        and not text.endswith("...")
    )


def example_sentences(passages: Sequence[Passage], limit: int) -> list[str]:
    """Example claims for a corpus: each document's first complete sentence of a checkable length.

    A sentence qualifies when it starts with a capital, ends with a full stop
    or an exclamation mark, has at least five words and 30-200 characters, so
    headings, bylines, questions and cut-off lines are passed over.
    """
    examples: list[str] = []
    seen: set[str] = set()
    for passage in passages:
        text = " ".join(passage.text.split())
        if passage.doc_id in seen or not _is_example_claim(text):
            continue
        seen.add(passage.doc_id)
        examples.append(text)
        if len(examples) == limit:
            break
    return examples


def example_label(text: str, width: int = EXAMPLE_LABEL_CHARS) -> str:
    """A short button label for an example claim, cut between words and marked with "…".

    Example:
        >>> example_label("The council approved the 2025 municipal budget by seven to two.", 30)
        'The council approved the 2025…'
    """
    if len(text) <= width:
        return text
    cut = text[: width + 1].rsplit(" ", 1)[0] if " " in text[:width] else text[:width]
    return cut[:width].rstrip(" ,;:") + "…"


def verdict_json(verdict: Verdict) -> str:
    """A verdict as the JSON the export button downloads."""
    return json.dumps(verdict.to_dict(), indent=2, ensure_ascii=False)


def paragraph_json(text: str, spans: Sequence[ClaimSpan]) -> str:
    """A checked paragraph, with each sentence's offsets and verdict, as JSON."""
    claims = [span.to_dict() for span in spans]
    return json.dumps({"text": text, "claims": claims}, indent=2, ensure_ascii=False)


def paragraph_html(text: str, spans: Sequence[ClaimSpan]) -> str:
    """The paragraph with each checked sentence coloured by its verdict and numbered.

    Text between sentences is kept as it was; sentences are numbered in the
    order given, which is the order the evidence selector lists them, and
    carry that position (from 0) in ``data-index`` for the page's click handler.
    """
    pieces = []
    position = 0
    for number, span in sorted(enumerate(spans, start=1), key=lambda pair: pair[1].start):
        if span.start < position:
            continue
        pieces.append(escape(text[position : span.start]))
        label = span.verdict.label
        tooltip = f"{verdict_name(label)} ({format_probability(span.verdict.confidence)})"
        pieces.append(
            f'<span class="claim-span" data-index="{number - 1}" data-verdict="{escape(label)}" '
            f'title="{escape(tooltip)} — click for its evidence" style="cursor:pointer;'
            f"background:{VERDICT_BACKGROUNDS.get(label, VERDICT_BACKGROUNDS[NOT_ENOUGH_INFO])};"
            f'{_verdict_line(label)}border-radius:3px;padding:1px 2px;">'
            f"{escape(text[span.start : span.end])}"
            f'<sup style="font-weight:700;">{number}&#8239;{verdict_symbol(label)}</sup></span>'
        )
        position = span.end
    pieces.append(escape(text[position:]))
    legend = " ".join(
        f'<span class="legend-item" data-verdict="{label}" style="background:'
        f'{VERDICT_BACKGROUNDS[label]};{_verdict_line(label)}padding:0 4px;margin-right:6px;">'
        f"{verdict_symbol(label)} {verdict_name(label)}</span>"
        for label in VERDICT_LABELS
    )
    return (
        f'<div class="paragraph-result" style="{_TEXT}">'
        f'<div style="line-height:1.9;white-space:pre-wrap;">{"".join(pieces)}</div>'
        f'<div style="margin-top:8px;font-size:0.8em;">{legend}</div></div>'
    )


def sentence_choices(spans: Sequence[ClaimSpan], width: int = 90) -> list[tuple[str, int]]:
    """``(label, index)`` pairs naming each checked sentence by number, verdict and text."""
    choices = []
    for index, span in enumerate(spans):
        text = " ".join(span.text.split())
        if len(text) > width:
            text = text[: width - 1].rstrip() + "…"
        label = span.verdict.label
        choices.append(
            (f"{index + 1}. {verdict_symbol(label)} {verdict_name(label)} — {text}", index)
        )
    return choices


# An absolute path on the server (POSIX or Windows); group 1 is its last part, the file name.
_SERVER_PATH = re.compile(
    r"(?<![\w:/\\])(?:[A-Za-z]:\\|/)(?:[^\s/\\:;,()'\"]+[/\\])+([^\s/\\:;,()'\"]+)"
)


def without_paths(message: str) -> str:
    """``message`` with every absolute server path cut to its file name.

    Example:
        >>> without_paths("no readable documents found (/tmp/gradio/b3cc6b/scan.pdf: no text)")
        'no readable documents found (scan.pdf: no text)'
    """
    return _SERVER_PATH.sub(lambda match: match.group(1), message)


def message_html(message: str, *, kind: str = "error") -> str:
    """A friendly message box in the page; ``kind`` is ``error``, ``warning`` or ``info``.

    Messages never show a server path: one is cut to its file name.
    """
    borders = {"error": "#cf222e", "warning": "#9a6700", "info": "#0969da"}
    border = borders.get(kind, borders["info"])
    background = _tint(border, 14)
    message = without_paths(message)
    message = message[:1].upper() + message[1:]
    return (
        f'<div class="message message-{escape(kind)}" style="background:{background};'
        f'border:1px solid {border};border-radius:6px;padding:8px 12px;{_TEXT}">'
        f"{escape(message)}</div>"
    )


def markdown_text(text: str) -> str:
    """``text`` shown literally in Markdown: no HTML, link, image, code or emphasis from it.

    File names and reasons repeat bytes from files (a PDF's error text, say);
    every ASCII punctuation mark is backslash-escaped, ``<``, ``>`` and ``&``
    become entities, and control characters and line breaks become spaces.

    Example:
        >>> markdown_text("<img src=x> [log in](http://evil)")
        '&lt;img src\\=x&gt; \\[log in\\]\\(http\\:\\/\\/evil\\)'
    """
    pieces = []
    for character in text:
        if character in _MARKDOWN_ENTITIES:
            pieces.append(_MARKDOWN_ENTITIES[character])
        elif character in string.punctuation:
            pieces.append("\\" + character)
        elif not character.isprintable():
            pieces.append(" ")
        else:
            pieces.append(character)
    return "".join(pieces)


def skipped_markdown(skipped: Iterable[SkippedFile]) -> str:
    """Markdown bullets naming each file that was not read, and why (both escaped)."""
    return "\n".join(
        f"- **{markdown_text(PurePath(item.path).name)}**: {markdown_text(item.reason)}"
        for item in skipped
    )


def corpus_stats_markdown(stats: CorpusStats) -> str:
    """What is loaded: counts, index type and the files that could not be read.

    The documents themselves are named once, in the Corpus tab's table
    (:func:`app.library.documents_markdown`), not again here.
    """
    lines = [
        f"**{stats.documents}** documents, **{stats.passages}** passages, "
        f"index type **{stats.index_type}**"
        + (
            f", embedder **{markdown_text(stats.embedder.rsplit('/', 1)[-1])}**."
            if stats.embedder
            else "."
        ),
    ]
    if stats.skipped:
        lines.append("")
        lines.append(f"Files that could not be read ({len(stats.skipped)}):")
        lines.append(skipped_markdown(stats.skipped))
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def load_report_message(report: LoadReport, rejected: Sequence[SkippedFile] = ()) -> str:
    """One line saying what an upload added."""
    if report.duplicates:
        names = ", ".join(PurePath(item.path).name for item in report.duplicates)
        known = f" Loaded already, not indexed again: {names}."
    else:
        known = ""
    if not report.documents:
        return "Nothing new was indexed." + known
    added = (
        f"Indexed {_count(report.documents, 'new document')} "
        f"({_count(report.passages, 'passage')})."
    )
    problems = len(rejected) + len(report.skipped)
    if problems:
        added += f" {_count(problems, 'file')} could not be indexed (listed below)."
    return added + known


def not_indexed_markdown(report: LoadReport, rejected: Sequence[SkippedFile] = ()) -> str:
    """Every file of an upload that was refused or could not be read, and why."""
    problems = [*rejected, *report.skipped, *report.duplicates]
    if not problems:
        return ""
    return f"Not indexed ({len(problems)}):\n{skipped_markdown(problems)}"


@dataclass(frozen=True)
class UploadLimits:
    """What the Corpus and Batch tabs accept: the numbers come from ``app.policy.ServiceLimits``."""

    max_files: int
    max_file_bytes: int
    extensions: tuple[str, ...] = SUPPORTED_SUFFIXES

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_files": self.max_files,
            "max_file_bytes": self.max_file_bytes,
            "extensions": list(self.extensions),
        }


@dataclass(frozen=True)
class UploadValidation:
    """Uploaded files split into those to read and those refused, with the reason."""

    accepted: tuple[str, ...]
    rejected: tuple[SkippedFile, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted": list(self.accepted),
            "rejected": [item.to_dict() for item in self.rejected],
        }


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def validate_uploads(files: Sequence[tuple[str, int]], limits: UploadLimits) -> UploadValidation:
    """Apply the upload limits to ``(path, size in bytes)`` pairs.

    Too many files refuses them all; a file of the wrong type or too large is
    refused on its own.
    """
    if len(files) > limits.max_files:
        reason = f"too many files ({len(files)}); upload at most {limits.max_files} at once"
        return UploadValidation((), tuple(SkippedFile(path, reason) for path, _ in files))
    accepted = []
    rejected = []
    for path, size in files:
        suffix = PurePath(path).suffix.lower()
        if suffix not in limits.extensions:
            rejected.append(
                SkippedFile(
                    path,
                    f"file type {suffix or '(none)'} is not accepted; "
                    f"use {' '.join(limits.extensions)}",
                )
            )
        elif size > limits.max_file_bytes:
            rejected.append(
                SkippedFile(
                    path,
                    f"file is {_megabytes(size)}, over the {_megabytes(limits.max_file_bytes)} "
                    "limit",
                )
            )
        else:
            accepted.append(path)
    return UploadValidation(tuple(accepted), tuple(rejected))


def batch_report(records: Sequence[Mapping[str, Any]]) -> ClassificationReport | None:
    """Accuracy, macro-F1 and confusion over records that have a gold ``label``.

    Returns ``None`` when no record has one.
    """
    gold, predicted = [], []
    for record in records:
        label = gold_label(record.get("label"))
        if label is not None:
            gold.append(label)
            predicted.append(str(record["verdict"]))
    if not gold:
        return None
    return classification_report(gold, predicted, VERDICT_LABELS)


def batch_report_markdown(report: ClassificationReport | None, total: int) -> str:
    """A one-paragraph summary of a batch run, with the scores when gold labels exist."""
    lines = [f"Checked **{total}** claims."]
    if report is None:
        lines.append("The file has no `label` column, so there is nothing to score.")
        return "\n".join(lines)
    lines.append(
        f"Against the {report.count} gold labels: accuracy **{report.accuracy:.1%}**, "
        f"macro-F1 **{report.macro_f1:.3f}**."
    )
    lines.append("")
    lines.append("| label | precision | recall | F1 | support |")
    lines.append("|---|---|---|---|---|")
    for label, metrics in report.per_class.items():
        if metrics.support or any(row[report.columns.index(label)] for row in report.confusion):
            lines.append(
                f"| {verdict_name(label)} | {metrics.precision:.3f} | {metrics.recall:.3f} | "
                f"{metrics.f1:.3f} | {metrics.support} |"
            )
    return "\n".join(lines)


BATCH_TABLE_COLUMNS = ("claim", "label", "verdict", "confidence", "top_source", "top_evidence")
# Shares of the table's width, so it fits a 1280 px window with the text wrapped.
BATCH_COLUMN_WIDTHS = {
    "claim": 30,
    "label": 11,
    "verdict": 12,
    "confidence": 9,
    "top_source": 12,
    "top_evidence": 26,
}


def batch_column_widths(headers: Sequence[str]) -> list[str]:
    """CSS widths for the batch table's columns, in percent, summing to 100.

    Example:
        >>> batch_column_widths(["claim", "verdict"])
        ['71%', '29%']
    """
    shares = [BATCH_COLUMN_WIDTHS.get(name, 10) for name in headers]
    total = sum(shares)
    widths = [round(share * 100 / total) for share in shares]
    widths[-1] += 100 - sum(widths)
    return [f"{width}%" for width in widths]


def batch_table(records: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """The on-page results table: headers and one row per result record.

    Shows the claim, its gold label when the file has one, the verdict with
    its confidence, and the best evidence passage and its source; the
    downloads (``verifier.io.batch``) hold everything.
    """
    headers = [
        column
        for column in BATCH_TABLE_COLUMNS
        if column != "label" or any("label" in record for record in records)
    ]
    rows = []
    for record in records:
        evidence = record.get("evidence") or [{}]
        values = {
            "claim": record.get("claim", ""),
            "label": record.get("label", ""),
            "verdict": record.get("verdict", ""),
            "confidence": round(float(record.get("confidence", 0.0)), 4),
            "top_source": evidence[0].get("source", ""),
            "top_evidence": evidence[0].get("text", ""),
        }
        rows.append([values[column] for column in headers])
    return headers, rows


def confusion_html(report: ClassificationReport) -> str:
    """A confusion matrix (rows gold, columns predicted) in the page's own colours.

    Cells tint the theme's background by their count and keep the theme's
    text colour, so the matrix reads in the light and the dark theme alike.
    """
    peak = max((max(row) for row in report.confusion), default=0) or 1
    names = [verdict_name(label) for label in report.labels]
    head = "".join(f'<th scope="col" style="padding:4px 6px;">{name}</th>' for name in names)
    rows = []
    for name, row in zip(names, report.confusion, strict=True):
        cells = "".join(
            f'<td style="padding:6px;text-align:center;font-weight:600;'
            f'background:{_tint("#0969da", round(10 + 70 * count / peak))};">{count}</td>'
            for count in row
        )
        rows.append(
            f'<tr><th scope="row" style="padding:4px 6px;text-align:right;">{name}</th>{cells}</tr>'
        )
    return (
        f'<div class="confusion" style="{_TEXT};font-size:0.85em;">'
        f'<div style="font-weight:600;margin-bottom:4px;">Confusion matrix (accuracy '
        f"{report.accuracy:.1%}): rows are the gold labels, columns the verdicts</div>"
        f'<table style="border-collapse:collapse;"><tr><th></th>{head}</tr>{"".join(rows)}'
        "</table></div>"
    )


def correction_html(corrected_label: str, date: str, comment: str = "") -> str:
    """A reader's remembered correction, shown above the checker's own verdict."""
    colour = VERDICT_COLOURS.get(corrected_label, VERDICT_COLOURS[NOT_ENOUGH_INFO])
    said = f' <span class="correction-comment">“{escape(comment)}”</span>' if comment else ""
    return (
        f'<div class="verdict-correction" data-verdict="{escape(corrected_label)}" '
        f'style="{_TEXT};border:2px solid {colour};border-radius:8px;padding:8px 12px;'
        'margin-bottom:8px;">'
        f'<span class="correction-badge" style="display:inline-block;background:{colour};'
        "color:#ffffff;border-radius:6px;padding:4px 12px;font-size:1.2em;font-weight:700;"
        f'"><span aria-hidden="true" style="color:inherit;">{verdict_symbol(corrected_label)}'
        f'</span> <span class="correction-name" style="color:inherit;">'
        f"{escape(verdict_name(corrected_label))}</span></span> "
        f'<span class="correction-by" style="white-space:nowrap;">corrected by a reader on '
        f"{escape(date)}</span>{said}"
        f'<div style="{_SUBDUED};margin-top:4px;">The checker\'s own verdict, beside it:</div>'
        "</div>"
    )


def announcement(verdict: Verdict, corrected_label: str | None = None) -> str:
    """What the screen reader's live region says once a check is done."""
    said = (
        f"Verdict: {verdict_name(verdict.label)}, confidence "
        f"{format_probability(verdict.confidence)}. {explanation(verdict)}"
    )
    if corrected_label:
        said = f"A reader corrected this claim to {verdict_name(corrected_label)}. {said}"
    return said


def live_region_html(text: str) -> str:
    """A polite live region, read out by screen readers and hidden from view."""
    return (
        '<div class="live-status" role="status" aria-live="polite" style="position:absolute;'
        "width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;"
        f'">{escape(text)}</div>'
    )


def result_link(claim: str, corpus: str | None = None) -> str:
    """The query string that fills the claim box and runs the check: ``?claim=…&corpus=…``.

    Example:
        >>> result_link("Fares rise to 3 dollars.")
        '?claim=Fares+rise+to+3+dollars.'
    """
    from urllib.parse import urlencode

    query = {"claim": claim, **({"corpus": corpus} if corpus else {})}
    return "?" + urlencode(query)
