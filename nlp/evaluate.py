"""Scoring an extraction against hand-made gold annotations (pure functions).

Contract (the issue's): a predicted assignment matches a gold one when its span
overlaps the gold evidence and the lead agencies agree after normalisation; the
matching is one-to-one (maximum bipartite matching). Deadline accuracy is measured on
matched items whose gold deadline is a date; meeting-date accuracy over documents.

Leads agree when, after :func:`lead_key` (NFC, tone placement, lower case, no
leading "các"/"những", no punctuation), one equals or contains the other as whole
words, or both resolve to the same canonical agency.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.domain import Extraction
from nlp.normalize import fold

CanonicalFn = Callable[[str], str | None]


def lead_key(name: str) -> str:
    """Comparison key of a lead agency as written."""
    key = fold(name)
    key = re.sub(r"[^\w\s]", " ", key)
    key = re.sub(r"^(?:các|những)\s+", "", key.strip())
    return re.sub(r"\s+", " ", key).strip()


def leads_agree(predicted: str, gold: str, canonical: CanonicalFn | None = None) -> bool:
    """Whether two leads name the same agency (see module docstring)."""
    a, b = lead_key(predicted), lead_key(gold)
    if not a or not b:
        return False
    if a == b or f" {a} " in f" {b} " or f" {b} " in f" {a} ":
        return True
    if canonical is not None:
        ca, cb = canonical(predicted), canonical(gold)
        return ca is not None and ca == cb
    return False


@dataclass(frozen=True, slots=True)
class GoldAssignment:
    """One gold assignment with its evidence located in the text."""

    lead: str
    spans: tuple[tuple[int, int], ...]  # every occurrence of the evidence
    deadline: date | None


@dataclass(frozen=True, slots=True)
class DocScore:
    """Scores of one document."""

    name: str
    predicted: int
    gold: int
    matched: int
    deadline_total: int
    deadline_correct: int
    meeting_date_correct: bool
    predicted_date: date | None
    gold_date: date | None

    @property
    def precision(self) -> float:
        """Matched / predicted (1.0 when nothing was predicted and nothing expected)."""
        return self.matched / self.predicted if self.predicted else float(self.gold == 0)

    @property
    def recall(self) -> float:
        """Matched / gold."""
        return self.matched / self.gold if self.gold else float(self.predicted == 0)

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _occurrences(text: str, needle: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    pos = text.find(needle)
    while pos >= 0 and needle:
        spans.append((pos, pos + len(needle)))
        pos = text.find(needle, pos + 1)
    return tuple(spans)


def parse_gold(gold: dict[str, Any], text: str) -> tuple[list[GoldAssignment], date | None]:
    """Read a ``*.gold.json`` object: the assignments (evidence located in ``text``) and meeting date."""
    items = [
        GoldAssignment(
            lead=a["lead"],
            spans=_occurrences(text, a["evidence"]),
            deadline=date.fromisoformat(a["deadline"]) if a.get("deadline") else None,
        )
        for a in gold.get("assignments", [])
    ]
    md = gold.get("meeting_date")
    return items, date.fromisoformat(md) if md else None


def _match(n_pred: int, n_gold: int, edges: dict[int, list[int]]) -> dict[int, int]:
    """Maximum bipartite matching (augmenting paths): gold index -> predicted index."""
    owner: dict[int, int] = {}

    def augment(p: int, seen: set[int]) -> bool:
        for g in edges.get(p, []):
            if g in seen:
                continue
            seen.add(g)
            if g not in owner or augment(owner[g], seen):
                owner[g] = p
                return True
        return False

    for p in range(n_pred):
        augment(p, set())
    return owner


def score_document(
    name: str, extraction: Extraction, gold: dict[str, Any], text: str, canonical: CanonicalFn | None = None
) -> DocScore:
    """Score one document's extraction against its gold annotation."""
    gold_items, gold_date = parse_gold(gold, text)
    preds = extraction.assignments
    edges: dict[int, list[int]] = {}
    for i, p in enumerate(preds):
        for j, g in enumerate(gold_items):
            overlaps = any(p.start < ge and gs < p.end for gs, ge in g.spans)
            if overlaps and leads_agree(p.lead, g.lead, canonical):
                edges.setdefault(i, []).append(j)
    owner = _match(len(preds), len(gold_items), edges)
    dl_total = dl_ok = 0
    for j, i in owner.items():
        if gold_items[j].deadline is not None:
            dl_total += 1
            dl_ok += preds[i].deadline == gold_items[j].deadline
    predicted_date = extraction.meeting.date
    return DocScore(
        name=name,
        predicted=len(preds),
        gold=len(gold_items),
        matched=len(owner),
        deadline_total=dl_total,
        deadline_correct=dl_ok,
        meeting_date_correct=predicted_date == gold_date,
        predicted_date=predicted_date,
        gold_date=gold_date,
    )


@dataclass(frozen=True, slots=True)
class Totals:
    """Micro-averaged totals over documents."""

    precision: float
    recall: float
    f1: float
    deadline_accuracy: float
    deadline_total: int
    meeting_date_accuracy: float
    documents: int


def totals(scores: Sequence[DocScore]) -> Totals:
    """Micro-averaged precision/recall/F1, deadline and meeting-date accuracy."""
    pred = sum(s.predicted for s in scores)
    gold = sum(s.gold for s in scores)
    matched = sum(s.matched for s in scores)
    p = matched / pred if pred else 0.0
    r = matched / gold if gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    dl_total = sum(s.deadline_total for s in scores)
    dl_ok = sum(s.deadline_correct for s in scores)
    md = sum(s.meeting_date_correct for s in scores)
    return Totals(
        precision=p,
        recall=r,
        f1=f1,
        deadline_accuracy=dl_ok / dl_total if dl_total else 1.0,
        deadline_total=dl_total,
        meeting_date_accuracy=md / len(scores) if scores else 0.0,
        documents=len(scores),
    )


def format_report(scores: Sequence[DocScore]) -> str:
    """A plain-text table: one row per document, then the totals."""
    head = f"{'document':44} {'pred':>4} {'gold':>4} {'match':>5} {'P':>5} {'R':>5} {'F1':>5} {'deadl':>7} {'date':>4}"
    lines = [head, "-" * len(head)]
    for s in scores:
        lines.append(
            f"{s.name[:44]:44} {s.predicted:4d} {s.gold:4d} {s.matched:5d} {s.precision:5.2f} {s.recall:5.2f} "
            f"{s.f1:5.2f} {s.deadline_correct:3d}/{s.deadline_total:<3d} {'ok' if s.meeting_date_correct else 'NO':>4}"
        )
    t = totals(scores)
    lines.append("-" * len(head))
    lines.append(
        f"TOTAL ({t.documents} documents): precision {t.precision:.3f}, recall {t.recall:.3f}, F1 {t.f1:.3f}; "
        f"deadline accuracy {t.deadline_accuracy:.3f} (n={t.deadline_total}); "
        f"meeting-date accuracy {t.meeting_date_accuracy:.3f}"
    )
    return "\n".join(lines)
