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
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from verifier.decision import ClassificationReport, classification_report, gold_label
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
    from matplotlib.figure import Figure

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
STANCE_NAMES = {SUPPORTS: "supports", REFUTES: "contradicts", NEUTRAL_STANCE: "neutral"}

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
    """A probability as a percentage with one decimal, e.g. ``0.8731 -> '87.3%'``."""
    return f"{float(value) * 100:.1f}%"


def format_score(value: float) -> str:
    """A retrieval (cosine) score with two decimals, shown to people as relevance."""
    return f"{float(value):.2f}"


def _chip(text: str, colour: str) -> str:
    return (
        f'<span style="display:inline-block;background:{colour};color:#ffffff;'
        'border-radius:10px;padding:1px 8px;font-size:0.8em;font-weight:600;">'
        f"{escape(text)}</span>"
    )


def _source_names(items: Iterable[Evidence], stance: str) -> list[str]:
    names: list[str] = []
    for item in items:
        name = PurePath(item.passage.source).name or item.passage.source
        if item.stance == stance and name not in names:
            names.append(name)
    return names


def explanation(verdict: Verdict) -> str:
    """One sentence saying which sources decided the verdict and how.

    Example:
        >>> from verifier.types import Verdict
        >>> explanation(Verdict("The sky is green.", "NOT_ENOUGH_INFO", 0.7, (), (), ()))
        'No passage bears on the claim.'
    """
    supporting = _source_names(verdict.deciding, SUPPORTS)
    refuting = _source_names(verdict.deciding, REFUTES)
    if not supporting and not refuting:
        return "No passage bears on the claim."
    phrases = []
    for names, one, many in (
        (supporting, "supports", "support"),
        (refuting, "contradicts", "contradict"),
    ):
        if names:
            count = len(names)
            noun = "" if phrases else (" source" if count == 1 else " sources")
            verb = one if count == 1 else many
            phrases.append(f"{count}{noun} {verb} it ({', '.join(names)})")
    return "; ".join(phrases) + "."


def confidence_meaning(verdict: Verdict) -> str:
    """What the confidence means, when the fitted model gave calibrated probabilities."""
    if not verdict.probabilities:
        return ""
    percent = round(float(verdict.confidence) * 100)
    if verdict.label == CONFLICTING:
        return (
            f"For a conflict the confidence is the weaker side's: read alone, each of the two "
            f"sources takes its side with a calibrated probability of {percent}% or more, and "
            f"the judge finds their passages contradicting each other."
        )
    in_ten = round(float(verdict.confidence) * 10)
    return (
        f"The confidence is a calibrated probability: of verdicts given {percent}% "
        f"confidence, about {in_ten} in 10 are right."
    )


def _warning_html(text: str, css_class: str) -> str:
    return (
        f'<div class="{css_class}" style="{_TEXT};border-left:3px solid #9a6700;'
        f'padding-left:6px;margin-top:4px;">&#9888; {escape(text)}</div>'
    )


def verdict_badge_html(verdict: Verdict) -> str:
    """The verdict as a coloured badge with its confidence, why it was reached, and warnings."""
    colour = VERDICT_COLOURS.get(verdict.label, VERDICT_COLOURS[NOT_ENOUGH_INFO])
    notes = list(dict.fromkeys(note for item in verdict.deciding for note in item.notes))
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
    warnings = "".join(_warning_html(warning, "verdict-warning") for warning in verdict.warnings)
    return (
        f'<div class="verdict" data-verdict="{escape(verdict.label)}" style="{_TEXT}">'
        f'<span class="verdict-badge" style="display:inline-block;background:{colour};'
        "color:#ffffff;border-radius:6px;padding:6px 14px;font-size:1.3em;font-weight:700;"
        # The light theme colours spans in HTML blocks: the inner ones take the badge's white.
        f'letter-spacing:0.03em;"><span class="verdict-symbol" aria-hidden="true" '
        f'style="color:inherit;">{verdict_symbol(verdict.label)}</span> '
        f'<span class="verdict-name" style="color:inherit;">'
        f"{escape(verdict_name(verdict.label))}</span></span>"
        f'<span class="verdict-confidence" style="margin-left:12px;font-size:1.1em;">'
        f"confidence {format_probability(verdict.confidence)}</span>"
        f'<div class="verdict-claim" style="margin-top:6px;{_SUBDUED};">'
        f"Claim: {escape(verdict.claim)}</div>{why}{warnings}</div>"
    )


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
            f'<span class="prob prob-{label}" style="margin-right:12px;">'
            '<span style="display:inline-block;width:0.7em;height:0.7em;border-radius:2px;'
            f'margin-right:3px;background:{NLI_COLOURS[label]};"></span>'
            f'<span style="font-weight:600;">{label}</span> '
            f"{format_probability(value)}</span>"
        )
    return "".join(cells)


FOUND_BY = {
    "dense": ("found by meaning", "in the embedder's nearest passages (dense)"),
    "lexical": ("found by its words", "in BM25's best passages only (lexical)"),
    "both": ("found by meaning and words", "in both the dense and the lexical (BM25) list"),
}
"""How each ``Evidence.retrieved_by`` reads on a card, and its tooltip."""


def evidence_card_html(item: Evidence, rank: int, *, deciding: bool = False) -> str:
    """One evidence passage: NLI chip, probabilities, relevance, how it was found, source and highlight.

    A passage the verdict rests on (``deciding``) is tagged as such.
    """
    passage = item.passage
    name = PurePath(passage.source).name or passage.source
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
    return (
        f'<div class="evidence-card" data-stance="{escape(item.stance)}" '
        f'data-deciding="{str(deciding).lower()}" style="{_CARD}'
        f'border-left:5px solid {STANCE_COLOURS.get(item.stance, "#8c959f")};">'
        '<div style="display:flex;flex-wrap:wrap;gap:8px;align-items:center;font-size:0.9em;">'
        f"<b>#{rank}</b>{_chip(item.nli.label, NLI_COLOURS.get(item.nli.label, '#57606a'))}"
        f"{tag}"
        f'<span class="evidence-score">relevance {format_score(item.retrieval_score)}</span>'
        f"{_found_by(item.retrieved_by)}"
        f'<span class="evidence-source" title="{escape(passage.source)}">'
        f"source: <b>{escape(name)}</b>{title}</span></div>"
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

    When nothing decided the verdict the fold starts open, as those passages
    are all there is; the count of hidden neutral passages follows.
    """
    shown = visible_evidence(verdict, show_neutral=show_neutral)
    hidden = len(verdict.evidence) - len(shown)
    others = [item for item in shown if item not in verdict.deciding]
    parts = [
        evidence_card_html(item, rank, deciding=True)
        for rank, item in enumerate(verdict.deciding, start=1)
    ]
    if others:
        cards = "".join(
            evidence_card_html(item, rank)
            for rank, item in enumerate(others, start=len(verdict.deciding) + 1)
        )
        parts.append(
            f'<details class="other-passages"{"" if verdict.deciding else " open"}>'
            f'<summary style="cursor:pointer;">{_count(len(others), "other passage")}</summary>'
            f"{cards}</details>"
        )
    if hidden:
        parts.append(
            f'<p class="evidence-hidden" style="{_SUBDUED};">{hidden} neutral passage'
            f"{'s' if hidden != 1 else ''} hidden; tick “show neutral evidence” to list "
            f"{'them' if hidden != 1 else 'it'}.</p>"
        )
    if not verdict.evidence:
        parts.append(f'<p style="{_SUBDUED};">No passage in the corpus is close to this claim.</p>')
    return f'<div class="evidence-list">{"".join(parts)}</div>'


@dataclass(frozen=True)
class SourceBar:
    """One document's stance on a claim, as a bar of the per-source chart."""

    source: str
    stance: str
    strength: float

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "stance": self.stance, "strength": self.strength}


def source_chart_data(verdict: Verdict) -> list[SourceBar]:
    """One bar per document: supporting ones first, then contradicting, then neutral."""
    order = {SUPPORTS: 0, REFUTES: 1, NEUTRAL_STANCE: 2}
    bars = [
        SourceBar(
            source=PurePath(item.source).name or item.source,
            stance=item.stance,
            strength=float(item.strength),
        )
        for item in verdict.sources
    ]
    return sorted(bars, key=lambda bar: (order.get(bar.stance, 3), -bar.strength, bar.source))


def source_chart_html(verdict: Verdict) -> str:
    """The per-source summary: a horizontal bar per document, coloured by its stance."""
    bars = source_chart_data(verdict)
    if not bars:
        return f'<div class="source-chart" style="{_SUBDUED};">No sources to summarise.</div>'
    supporting = [bar.source for bar in bars if bar.stance == SUPPORTS]
    refuting = [bar.source for bar in bars if bar.stance == REFUTES]
    summary = []
    if supporting:
        summary.append(f"<b>Supports:</b> {escape(', '.join(supporting))}")
    if refuting:
        summary.append(f"<b>Contradicts:</b> {escape(', '.join(refuting))}")
    if not summary:
        summary.append("No document takes a side.")
    rows = []
    for bar in bars:
        colour = STANCE_COLOURS.get(bar.stance, "#8c959f")
        width = max(0.0, min(1.0, bar.strength)) * 100
        rows.append(
            f'<div class="source-bar" data-stance="{escape(bar.stance)}" '
            'style="display:flex;align-items:center;gap:8px;margin:3px 0;font-size:0.85em;">'
            f'<span style="width:34%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;" '
            f'title="{escape(bar.source)}">{escape(bar.source)}</span>'
            '<span style="flex:1;background:var(--border-color-primary);border-radius:4px;'
            'height:14px;">'
            f'<span style="display:block;width:{width:.1f}%;height:14px;background:{colour};'
            'border-radius:4px;"></span></span>'
            f'<span style="width:30%;">{escape(STANCE_NAMES.get(bar.stance, bar.stance))} '
            f"{format_probability(bar.strength)}</span></div>"
        )
    return (
        f'<div class="source-chart" style="{_TEXT}">'
        '<div style="font-weight:600;margin-bottom:4px;">Per-source stance</div>'
        f'<div style="margin-bottom:6px;">{" &nbsp; ".join(summary)}</div>{"".join(rows)}</div>'
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


def message_html(message: str, *, kind: str = "error") -> str:
    """A friendly message box in the page; ``kind`` is ``error``, ``warning`` or ``info``."""
    borders = {"error": "#cf222e", "warning": "#9a6700", "info": "#0969da"}
    border = borders.get(kind, borders["info"])
    background = _tint(border, 14)
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
    """What is loaded: counts, index type and the documents."""
    lines = [
        f"**{stats.documents}** documents, **{stats.passages}** passages, "
        f"index type **{stats.index_type}**.",
    ]
    if stats.sources:
        lines.append("")
        lines.append(
            "Documents: " + ", ".join(markdown_text(PurePath(s).name) for s in stats.sources)
        )
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
    """What the Corpus and Batch tabs accept."""

    max_files: int = 20
    max_file_bytes: int = 20 * 1024 * 1024
    extensions: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".pdf", ".jsonl", ".csv")

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_files": self.max_files,
            "max_file_bytes": self.max_file_bytes,
            "extensions": list(self.extensions),
        }


@dataclass(frozen=True)
class UploadCheck:
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


def check_uploads(files: Sequence[tuple[str, int]], limits: UploadLimits) -> UploadCheck:
    """Apply the upload limits to ``(path, size in bytes)`` pairs.

    Too many files refuses them all; a file of the wrong type or too large is
    refused on its own.
    """
    if len(files) > limits.max_files:
        reason = f"too many files ({len(files)}); upload at most {limits.max_files} at once"
        return UploadCheck((), tuple(SkippedFile(path, reason) for path, _ in files))
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
    return UploadCheck(tuple(accepted), tuple(rejected))


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


def confusion_figure(report: ClassificationReport) -> Figure:
    """A confusion-matrix heat map (rows gold, columns predicted) with counts in the cells."""
    from matplotlib.figure import Figure

    names = [verdict_name(label).replace(" ", "\n", 2) for label in report.labels]
    figure = Figure(figsize=(5.2, 4.2), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(report.confusion, cmap="Blues", vmin=0)
    peak = max((max(row) for row in report.confusion), default=0)
    for i, row in enumerate(report.confusion):
        for j, count in enumerate(row):
            axes.text(
                j,
                i,
                str(count),
                ha="center",
                va="center",
                color="white" if peak and count > peak / 2 else "black",
            )
    axes.set_xticks(range(len(names)), names, fontsize=8)
    axes.set_yticks(range(len(names)), names, fontsize=8)
    axes.set_xlabel("predicted")
    axes.set_ylabel("gold")
    axes.set_title(f"Confusion matrix (accuracy {report.accuracy:.1%})")
    figure.colorbar(image, ax=axes, shrink=0.8)
    return figure
