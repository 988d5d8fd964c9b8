"""Stages of the extraction, as pure functions (the spaCy components call these).

``text`` here is always the normalised text (:mod:`nlp.normalize`); results are
mapped back to the original offsets only in :func:`to_extraction`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from core.domain import Assignment, Conclusion, Extraction, MeetingInfo
from nlp import lexicon
from nlp.actors import Actor
from nlp.assignments import AssignmentFinder, Found
from nlp.deadlines import DeadlineMatch
from nlp.normalize import NormalizedText
from nlp.segment import Block

_TASK_PREFIX = re.compile(  # adverbs and insertions before the task's verb
    r"(?:[,:\s]+|(?:cũng\s+)?(?:cần|phải|có trách nhiệm|chịu trách nhiệm"
    r"|chủ trì(?:\s+để)?|để|trong phạm vi(?:,)? (?:trách nhiệm|chức năng|nhiệm vụ)"
    r"(?:,? (?:chức năng|nhiệm vụ|trách nhiệm|thẩm quyền))* của mình|(?:theo|căn cứ(?: vào)?) (?:chức năng"
    r"|nhiệm vụ|nghiệp vụ|quyền hạn|thẩm quyền)(?:(?:,| và) (?:chức năng|nhiệm vụ|nghiệp vụ|quyền hạn|thẩm quyền))*"
    r"|\([^)]{0,80}\))(?=[\s,])[,\s]*)+",
    re.IGNORECASE,
)
_COOP_PREFIX = re.compile(r"(?:phối hợp(?:\s+chặt chẽ)?(?:\s+với)?|làm việc(?:\s+cụ thể)?\s+với)\s+", re.IGNORECASE)
_VAGUE_TAIL = re.compile(  # "… và các cơ quan, đơn vị có liên quan" after the named partners
    r"\s*(?:và|,)\s*(?:các\s+)?(?:cơ quan|đơn vị|bộ|ngành|địa phương)(?:\s*,\s*(?:cơ quan|đơn vị|bộ|ngành|địa phương))*"
    r"\s+(?:có\s+)?liên quan[\s,]*",
    re.IGNORECASE,
)
_MAX_TASK_WORDS = 60  # a task longer than this is cut at a comma and marked with "…"
_WRAP_WIDTH = 60  # lines this long that end mid-phrase were hard-wrapped


def merge_continuations(blocks: Sequence[Block], text: str) -> list[Block]:
    """Join lines that continue the previous block (hard-wrapped or lower-case starts)."""
    out: list[Block] = []
    for b in blocks:
        if out and b.kind != "table" and out[-1].kind != "table":
            prev = out[-1]
            gap = text[prev.end : b.line_start]
            lower_start = b.kind == "none" and b.text[:1].islower()
            wrapped = (
                b.kind == "bullet" and len(prev.text) >= _WRAP_WIDTH and prev.text[-1:].isalnum() and "\n\n" not in gap
            )
            if lower_start or wrapped:
                end = b.end
                out[-1] = replace(prev, end=end, text=text[prev.start : end])
                continue
        out.append(b)
    return out


_NOTICE_TITLE = re.compile(r"^(?:THÔNG BÁO|KẾT LUẬN|CÔNG VĂN)$")
_NOTICE_NUMBER = re.compile(r"^Số\s*:?\s*(?:\d+|…|\.{2,})\s*[/-]")
_CITED_CONCLUSION = re.compile(r"kết luận số\b")  # "Kết luận số 137-KL/TW …:" cites another text
_NOTICE_HEAD = 25  # the header of a notice sits in its first blocks


def _is_notice(blocks: Sequence[Block]) -> bool:
    """A notice or dispatch (title line or "Số: …" number in the header), as opposed to a news report."""
    heads = (b.text.strip(" *|") for b in blocks[:_NOTICE_HEAD])
    return any(_NOTICE_TITLE.match(t) or _NOTICE_NUMBER.match(t) for t in heads)


def directive_zone(blocks: Sequence[Block]) -> tuple[list[int], bool]:
    """Indices of the blocks where directives are looked for, and whether a notice intro was found.

    The zone runs from the intro block ("… kết luận như sau:") to the closing part,
    without assessment sections and without the intro's own opening sentences.
    """
    intro = -1
    for i, b in enumerate(blocks):
        low = b.text.lower()
        opening = low.lstrip(" *")
        intro_words = any(p in low for p in lexicon.DIRECTIVE_INTROS) or (
            opening.startswith(lexicon.DIRECTIVE_INTRO_OPENINGS) and not _CITED_CONCLUSION.match(opening)
        )
        if b.kind != "table" and intro_words and low.rstrip(" *").endswith(":"):
            intro = i
            break
    if intro < 0 and _is_notice(blocks):
        # a notice without "… như sau:": its numbered items are the directives
        intro = next((i for i, b in enumerate(blocks) if b.kind in {"number", "roman", "ordinal"}), -1)
    start = max(intro, 0)
    indices: list[int] = []
    skipping = False
    for i in range(start, len(blocks)):
        b = blocks[i]
        low = b.text.lower().strip(" *")
        if i > start and (
            low.startswith(lexicon.CLOSING_MARKERS) or any(m in low for m in lexicon.CLOSING_MARKERS[:6])
        ):
            break
        if b.kind in {"roman", "heading"} or (b.bold and b.kind == "none" and b.text.isupper()):
            skipping = low.startswith(lexicon.ASSESSMENT_HEADINGS)
            indices.append(i)  # headings stay in the zone: they close the outline context
            continue
        if not skipping:
            indices.append(i)
    return indices, intro >= 0


def _task(text: str, f: Found, cooperating: Sequence[Actor], deadline: DeadlineMatch | None) -> str:
    """A concise task: the clause from its verb, without adverbs, named partners and the deadline phrase."""
    pos = f.task_start
    end = f.task_end if f.task_end >= 0 else f.end
    if deadline is not None and pos <= deadline.start < end:
        end = deadline.start
    while True:
        m = _TASK_PREFIX.match(text, pos, end)
        if m and m.end() > pos:
            pos = m.end()
            continue
        m = _COOP_PREFIX.match(text, pos, end)
        partners = [a.end for a in cooperating if m and m.end() <= a.start and a.end <= end]
        if not m or not partners:
            break
        pos = max(partners)  # "phối hợp với Bộ A, Bộ B" is already in the cooperating list
        tail = _VAGUE_TAIL.match(text, pos, end)
        pos = tail.end() if tail else pos
    body = " ".join(text[pos:end].split()).strip(" ,;:./")  # also the "./." that ends a text
    words = body.split(" ")
    if len(words) > _MAX_TASK_WORDS:
        cut = " ".join(words[:_MAX_TASK_WORDS])
        comma = cut.rfind(",")
        body = (cut[:comma] if comma > len(cut) // 2 else cut).rstrip(" ,;:") + " …"
    return body[:1].upper() + body[1:]


def pick_deadline(
    matches: Sequence[DeadlineMatch], start: int, ends: Sequence[int]
) -> tuple[DeadlineMatch | None, str | None]:
    """Choose the deadline of an assignment among the phrases in its clauses.

    The last dated phrase wins (the final deliverable, "…, báo cáo … trước ngày D");
    an undated phrase (event-bound) is kept for its text. Recurrence is reported apart.
    """
    stop = max(ends)
    inside = [m for m in matches if start <= m.start < stop]
    dated = [m for m in inside if m.due is not None and m.kind != "recurring"]
    recurring = next((m.recurrence for m in inside if m.recurrence), None)
    if dated:
        return dated[-1], recurring
    event = [m for m in inside if m.kind == "event"]
    return (event[-1] if event else None), recurring


def conclusions(blocks: Sequence[Block], zone: Sequence[int]) -> list[tuple[int, int]]:
    """Spans of the numbered conclusions: the top-level items of the directive zone."""
    numbered = [i for i in zone if blocks[i].kind in {"number", "ordinal", "letter"}]
    if not numbered:
        return []
    top = min(blocks[i].rank or 99 for i in numbered)
    spans: list[tuple[int, int]] = []
    for pos, i in enumerate(zone):
        b = blocks[i]
        if b.rank != top:
            continue
        end = b.end
        for j in zone[pos + 1 :]:
            nb = blocks[j]
            if nb.rank is not None and nb.rank <= top:
                break
            end = nb.end
        spans.append((b.start, end))
    return spans


@dataclass(frozen=True, slots=True)
class Proposal:
    """One assignment the extractor proposes, with its deadline, recurrence and task summary."""

    found: Found
    deadline: DeadlineMatch | None
    recurrence: str | None
    task: str


def find_assignments(
    text: str,
    blocks: Sequence[Block],
    zone: Sequence[int],
    *,
    announcement: bool,
    actors: Sequence[Actor],
    deadlines: Sequence[DeadlineMatch],
) -> tuple[list[Proposal], list[tuple[int, int]]]:
    """Run the assignment rules over the directive zone and attach deadlines and task summaries.

    Returns:
        The proposals and the spans of the conclusions.
    """
    finder = AssignmentFinder(text, blocks, actors, announcement=announcement)
    proposals = []
    for f in finder.run(zone):
        deadline, recurrence = pick_deadline(deadlines, f.clause_start, [f.end, *f.extra_ends])
        proposals.append(Proposal(f, deadline, recurrence, _task(text, f, f.cooperating, deadline)))
    return proposals, conclusions(blocks, zone)


def to_extraction(
    norm: NormalizedText,
    meeting: MeetingInfo,
    proposals: Sequence[Proposal],
    conclusion_spans: Sequence[tuple[int, int]],
) -> Extraction:
    """Map normalised-text findings back to the original text and build the domain result."""
    original = norm.original
    assignments: list[Assignment] = []
    for p in proposals:
        f, deadline = p.found, p.deadline
        s, e = norm.to_original(f.start, f.end)
        assignments.append(
            Assignment(
                lead=norm.original_slice(f.lead.start, f.lead.end),
                lead_canonical=f.lead.canonical,
                cooperating=tuple(norm.original_slice(a.start, a.end) for a in f.cooperating),
                task=p.task,
                deadline=deadline.due if deadline else None,
                deadline_text=norm.original_slice(deadline.start, deadline.end) if deadline else None,
                recurrence=p.recurrence,
                evidence=original[s:e],
                start=s,
                end=e,
            )
        )
    concl = []
    for cs, ce in conclusion_spans:
        s, e = norm.to_original(cs, ce)
        concl.append(Conclusion(original[s:e], s, e))
    return Extraction(meeting=meeting, conclusions=tuple(concl), assignments=tuple(assignments))


def reference_date(meeting: MeetingInfo, given: date | None, *, received: date | None = None) -> date | None:
    """The date relative deadlines and yearless dates are resolved against (the day received last)."""
    return given or meeting.date or meeting.document_date or received
