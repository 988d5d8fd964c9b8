"""Finding assignments (who must do what by when) in a segmented meeting text.

Pure rules over the normalised text, its blocks, actors and deadline phrases:

1. *Zone*: the directive part of a notice (after "… kết luận như sau:", before
   "Nơi nhận"), skipping assessment sections ("I. ĐÁNH GIÁ CHUNG"). News texts have
   no such marker: there the whole body counts, but an actor-initial clause needs a
   directive verb of the chair earlier in its paragraph.
2. *Clauses*: each block splits into sentences and clauses (";", ", còn").
   A clause yields an assignment when it has an assigning verb with an actor
   ("giao/yêu cầu/đề nghị X …"), or starts with an actor followed by a directive
   predicate ("X chủ trì, phối hợp với Y …", "X khẩn trương …").
3. *Outline context*: a heading that is an actor ("1. Sở Công Thương", "Đối với
   Bộ Tài chính:") or a lead-in with an addressee ("Đề nghị Thường trực Tỉnh ủy …
   sau:") gives its actor to the sub-items that have none of their own.
4. *Continuations*: a later clause of the same item without its own actor extends
   the previous assignment (and may carry its deadline); one starting with "chủ trì"
   is a new task for the same lead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from nlp import lexicon
from nlp.actors import Actor
from nlp.normalize import fold
from nlp.segment import Block, Span, split_sentences

_WORD = r"(?<![\wđĐ])"
_MAX_PREFIX = 160  # longest opening phrase before a subject ("Để xác định vị trí cụ thể của dự án, …")
_MAX_INLINE_HEADING = 80  # "Phòng Kế hoạch - Tài chính:" — an agency name before a colon
_MAX_OPENING = 30  # "Khẩn trương giao …": how far into a clause an assigning verb still opens it


def _words_re(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_ASSIGN_VERB = re.compile(rf"{_WORD}(?:{_words_re(lexicon.ASSIGNING_VERBS)})(?:\s+cho)?\s+", re.IGNORECASE)
_PREDICATE = re.compile(
    rf"^(?:cũng\s+|cần\s+|phải\s+|sẽ\s+phải\s+)?(?:{_words_re(lexicon.PREDICATES + lexicon.INSERTIONS)})(?![\w])",
    re.IGNORECASE,
)
_PREDICATE_ANY = re.compile(rf"(?<![\w])(?:{_words_re(lexicon.PREDICATES)})(?![\w])", re.IGNORECASE)
_TASK_SCAN = 100  # how far after the actor list the task's first verb is looked for


def predicate_start(text: str, pos: int, end: int) -> int:
    """Where the task begins after an actor list: the first directive verb within reach, else ``pos``."""
    m = _PREDICATE_ANY.search(text, pos, min(end, pos + _TASK_SCAN))
    return m.start() if m else pos


_NON_DIRECTIVE_AFTER = re.compile(rf"^(?:cũng\s+)?(?:{_words_re(lexicon.NON_DIRECTIVE_AFTER)})(?![\w])", re.IGNORECASE)
_SUBJECT_PREFIX = re.compile(
    r"^(?:(?:Đồng thời|Bên cạnh đó|Ngoài ra|Riêng|Trong đó|Trước mắt|Do đó|Vì vậy|Theo đó|Tiếp đó|Còn|Đặc biệt"
    r"|Mặt khác|Sau đó|Cùng với đó|Trên cơ sở đó|Đồng thời yêu cầu|Giao|Đề nghị|Yêu cầu)\s*,?\s*)+",
    re.IGNORECASE,
)
_NARRATIVE_PREFIX = re.compile(
    r"^(?:tại (?:phiên họp|cuộc họp|hội nghị|hội thảo|buổi làm việc)|theo báo cáo|ngay sau khi|sau khi nghe"
    r"|tham dự|cùng dự|dự hội|qua\s)",
    re.IGNORECASE,
)
_LEGAL_SUBJECT = re.compile(
    r"(?:Luật|Nghị định|Nghị quyết|Quyết định|Thông tư|Chỉ thị|Hiến pháp|Bộ luật|Kết luận|Thông báo)\s"
)
_SKIPPABLE_BEFORE_ACTOR = re.compile(r"\s*(?:(?:lãnh đạo|đồng chí|đ/c)\s+)?")
_ENUM_HEAD_GAP = re.compile(r"\s*(?:(?:lãnh đạo|đồng chí)\s+)?(?:các\s+)?[^\W\d][\w ,-]{0,40}?\s*:?\s*")


def _actor_follows(gap: str, actor: Actor) -> bool:
    """Whether ``gap`` after an assigning verb leads to ``actor`` ("giao lãnh đạo X", "đề nghị các Tập đoàn: X")."""
    if _SKIPPABLE_BEFORE_ACTOR.fullmatch(gap):
        return True
    return actor.enumeration is not None and bool(_ENUM_HEAD_GAP.fullmatch(gap))


_NEGATORS = tuple(w.lower() for w in lexicon.NON_DIRECTIVE_BEFORE)


def _negated(segment: str) -> bool:
    """Whether the words before an assigning verb make it a report ("đã giao", "được giao", "việc giao")."""
    words = segment.lower().split()
    tail = " ".join(words[-3:])
    if any(tail == w or tail.endswith(" " + w) for w in _NEGATORS):
        return True
    return "đã" in words or "được" in words[-2:]


_CLAUSE_SPLIT = re.compile(r";|,\s+(?=còn\s)")
_TOPIC = re.compile(r"(?:Về|Đối với|Riêng về)\s[^:]{3,400}?:\s*", re.IGNORECASE)
_CHAIR_VERB = re.compile(
    r"(?<!\w)(?:yêu cầu|giao|đề nghị|chỉ đạo|chỉ rõ|nhấn mạnh|lưu ý|nhắc nhở|kết luận|quán triệt|đề ra)(?!\w)",
    re.IGNORECASE,
)
_CAPTION = re.compile(r"(?:-|–)\s*Ảnh\s*:|^Ảnh\s*:|Trong ảnh\s*:", re.IGNORECASE)
_ROLE_START = re.compile(r"^(?:khẩn trương\s+|tiếp tục\s+)?chủ trì(?!\w)", re.IGNORECASE)
_LIST_GAP = re.compile(r"^(?:\s*,\s*|\s+và\s+|\s*,\s*và\s+|\s+cùng\s+)(?:các\s+)?(?:[\w -]{2,25}:\s*)?$|^\s*$")
_INSERTION_GAP = re.compile(r"^\s*\([^)]{0,80}\)\s*$")


@dataclass(slots=True)
class Found:
    """An assignment under construction (normalised-text offsets)."""

    lead: Actor
    cooperating: list[Actor]
    start: int  # evidence start
    end: int  # evidence end
    clause_start: int  # where the deadline search begins
    explicit: bool  # named by an assigning verb ("giao X …")
    task_start: int = 0
    extra_ends: list[int] = field(default_factory=list)  # continuation clause ends (deadline search)
    sentence_start: int = -1  # same lead repeated in one sentence = one assignment
    task_end: int = -1  # end of the task's own clause when the evidence was extended


@dataclass(slots=True)
class _Walk:
    """The state of one block's clause walk."""

    ctx: _Context | None
    out: list[Found] = field(default_factory=list)
    last: Found | None = None

    def add(self, f: Found) -> None:
        self.out.append(f)
        self.last = f


@dataclass(frozen=True, slots=True)
class _Context:
    rank: int
    lead: Actor
    cooperating: tuple[Actor, ...]
    heading: bool = False  # from an agency heading ("1. Sở Công Thương"), not a lead-in sentence


def actor_lists(actors: Sequence[Actor], text: str) -> list[list[Actor]]:
    """Group adjacent actors joined by ", ", " và " into lists ("Bộ A, Bộ B và các địa phương")."""
    groups: list[list[Actor]] = []
    for a in actors:
        if groups:
            last = groups[-1][-1]
            gap = text[last.end : a.start]
            same_enum = a.enumeration is not None and a.enumeration == last.enumeration
            if same_enum or _LIST_GAP.match(gap) or _INSERTION_GAP.match(gap):
                groups[-1].append(a)
                continue
        groups.append([a])
    return groups


def _in_span(actors: Sequence[Actor], start: int, end: int) -> list[Actor]:
    return [a for a in actors if a.start >= start and a.end <= end]


def _predicate_follows(text: str, pos: int, end: int) -> bool:
    """Whether a directive predicate starts at ``pos`` (after an actor list).

    A longer match wins: "có trách nhiệm" is a predicate although a bare "có" is not;
    "báo cáo cho biết" reports although "báo cáo" directs.
    """
    rest = text[pos:end]
    paren = re.match(r"\s*\([^)]{0,80}\)", rest)  # "(PVN)", "(Bộ Nội vụ)" after a name
    if paren:
        rest = rest[paren.end() :]
    stripped = rest.lstrip(" ,")
    if not stripped:
        return False
    directive = _PREDICATE.match(stripped)
    report = _NON_DIRECTIVE_AFTER.match(stripped)
    if directive and (report is None or directive.end() > report.end()):
        return True
    if report is not None:
        return False
    # "Chủ đầu tư, trong phạm vi, trách nhiệm của mình, nỗ lực …" / "các địa phương, nhất là người đứng đầu phải …"
    return rest.lstrip().startswith(",") and stripped.lower().startswith("nhất là")


def _cooperating(text: str, actors: Sequence[Actor], start: int, end: int, lead: Actor) -> list[Actor]:
    """Actors introduced by a co-operation marker ("phối hợp với …") within ``[start, end)``."""
    out: list[Actor] = []
    lowered = text[start:end].lower()
    for marker in lexicon.COOPERATION_MARKERS:
        for m in re.finditer(rf"(?<!\w){re.escape(marker)}(?!\w)\s*", lowered):
            pos = start + m.end()
            cands = [a for a in actors if a.start >= pos and a.end <= end]
            if not cands or text[pos : cands[0].start].strip(" ,:"):
                continue
            for group in actor_lists(cands, text):
                if group[0].start != cands[0].start:
                    break
                out.extend(a for a in group if a.kind != "person")
                break
    seen: set[str] = {fold(lead.text)}
    result: list[Actor] = []
    for a in sorted(out, key=lambda x: x.start):
        key = fold(a.text)
        if key in seen:
            continue
        seen.add(key)
        result.append(a)
    specific = [a for a in result if a.kind != "vague"]
    return specific or result


class AssignmentFinder:
    """Runs the rules over one document. Create one per document."""

    def __init__(self, text: str, blocks: Sequence[Block], actors: Sequence[Actor], *, announcement: bool) -> None:
        """Prepare the finder.

        Args:
            text: normalised text.
            blocks: its blocks (after continuation merging).
            actors: all actors found in it.
            announcement: whether a directive intro was found (notice style).
        """
        self.text = text
        self.blocks = blocks
        self.actors = list(actors)
        self.announcement = announcement

    # -- clause analysis --------------------------------------------------
    def _explicit(self, start: int, end: int, block_start: int) -> list[Found]:
        text = self.text
        out: list[Found] = []
        for m in _ASSIGN_VERB.finditer(text, start, end):
            verb = m.group(0).strip().lower()
            segment = re.split(r"[,;:]", text[start : m.start()])[-1]
            if _negated(segment) or _LEGAL_SUBJECT.match(segment.strip()):
                continue
            cands = _in_span(self.actors, m.end(), end)
            if not cands or not _actor_follows(text[m.end() : cands[0].start], cands[0]):
                continue
            subject = _in_span(self.actors, start, m.start())
            if verb.startswith("chỉ đạo") and subject and not subject[-1].is_leader:
                continue  # "Bộ Công Thương chỉ đạo EVN …": the subject leads
            group = actor_lists(cands, text)[0]
            lead = group[0]
            if lead.kind == "vague" or (verb.startswith("đề nghị") and fold(lead.text) in lexicon.SUPERIORS):
                continue  # "đề nghị Chính phủ …" asks upward: not a task of this meeting
            coop = [a for a in group[1:] if a.kind != "person"]
            coop += [a for a in _cooperating(text, self.actors, group[-1].end, end, lead) if a not in coop]
            out.append(
                Found(lead, coop, m.start(), end, start, True, task_start=predicate_start(text, group[-1].end, end))
            )
        return out

    def _subject_initial(self, start: int, end: int, *, needs_chair_verb: bool, block_start: int) -> Found | None:
        text = self.text
        cands = _in_span(self.actors, start, end)
        if not cands:
            return None
        for i, first in enumerate(cands):
            prefix = text[start : first.start]
            if not self._allowed_prefix(prefix, start):
                continue
            if first.is_leader:
                continue
            if first.kind == "vague":
                return None
            group = actor_lists(cands[i:], text)[0]
            if not _predicate_follows(text, group[-1].end, end):
                return None
            if needs_chair_verb and not self._chair_spoke(block_start, first.start):
                return None
            coop = [a for a in group[1:] if a.kind != "person"]
            coop += [a for a in _cooperating(text, self.actors, group[-1].end, end, first) if a not in coop]
            return Found(
                first, coop, first.start, end, start, False, task_start=predicate_start(text, group[-1].end, end)
            )
        return None

    def _chair_spoke(self, block_start: int, pos: int) -> bool:
        """News style: a leader named earlier in the paragraph gives directions before ``pos``."""
        for a in self.actors:
            if a.is_leader and block_start <= a.start < pos and _CHAIR_VERB.search(self.text, a.end, pos):
                return True
        return False

    def _allowed_prefix(self, prefix: str, start: int) -> bool:
        """A subject may follow the clause start, an adverbial opener or a comma-ended phrase."""
        stripped = prefix.strip()
        if not stripped:
            return True
        m = _SUBJECT_PREFIX.match(stripped)
        if m and m.end() == len(stripped):
            return True
        if _NARRATIVE_PREFIX.match(stripped):
            return False
        if stripped.endswith((",", ":")) and len(stripped) < _MAX_PREFIX:
            return not _ASSIGN_VERB.search(stripped) or bool(re.search(r"(?:chỉ rõ|nhấn mạnh|nhắc nhở),$", stripped))
        return False

    # -- document walk ----------------------------------------------------
    def run(self, zone: Sequence[int]) -> list[Found]:
        """Find assignments in the blocks whose indices are given, in order."""
        found: list[Found] = []
        stack: list[_Context] = []
        prev_colon = False
        current_rank = 0
        for pos, idx in enumerate(zone):
            block = self.blocks[idx]
            if block.kind == "table" or _CAPTION.search(block.text):
                continue
            rank = block.rank
            if rank is None:
                rank = current_rank + 1 if prev_colon else max(current_rank, 1)
            else:
                current_rank = rank
            while stack and stack[-1].rank >= rank:
                stack.pop()
            next_rank = self._next_rank(zone, pos, current_rank)
            has_children = next_rank is not None and next_rank > rank
            prev_colon = block.ends_with_colon
            if block.kind in {"roman", "heading"} or (block.bold and block.kind == "none" and block.text.isupper()):
                continue
            heading = self._heading_actor(block)
            if heading is not None:
                stack.append(_Context(rank, heading[0], tuple(heading[1:]), heading=True))
                prev_colon = True  # what follows an agency heading belongs to it
                continue
            inline = self._inline_heading(block)
            if inline is not None:
                # "1. Văn phòng Sở: Tiếp tục đôn đốc …": the agency leads this item and its sub-items
                lead, content_start = inline
                stack.append(_Context(rank, lead, (), heading=True))
                found.extend(self._block(block, stack[-1], start=content_start))
                prev_colon = True
                continue
            items = self._block(block, stack[-1] if stack else None)
            if block.ends_with_colon and has_children and items:
                lead_in = items[-1]
                stack.append(_Context(rank, lead_in.lead, tuple(lead_in.cooperating)))
                last_sentence = split_sentences(self.text, block.start, block.end)[-1]
                if lead_in.sentence_start >= last_sentence.start:
                    items = items[:-1]  # "Đề nghị X … sau:" only introduces its sub-items
            found.extend(items)
        return found

    def _next_rank(self, zone: Sequence[int], pos: int, current: int) -> int | None:
        for idx in zone[pos + 1 :]:
            b = self.blocks[idx]
            if b.kind == "table":
                continue
            return b.rank if b.rank is not None else current + 1
        return None

    def _heading_actor(self, block: Block) -> list[Actor] | None:
        """A block that only names actors: "1. Sở Công Thương", "Đối với Bộ Tài chính:"."""
        text = self.text
        body = block.text.rstrip(" :.*")
        m = re.match(r"^(?:Đối với|Giao|Đề nghị|Yêu cầu)\s+", body, re.IGNORECASE)
        start = block.start + (m.end() if m else 0)
        end = block.start + len(body)
        inside = _in_span(self.actors, start, end)
        if not inside or inside[0].start != start:
            return None
        group = actor_lists(inside, text)[0]
        rest = text[group[-1].end : end].strip()
        if rest and not re.fullmatch(r"(?:có liên quan|liên quan|\([^)]*\))", rest):
            return None
        if group[0].is_leader or group[0].kind == "vague":
            return None
        return group

    def _inline_heading(self, block: Block) -> tuple[Actor, int] | None:
        """An item that opens with an agency and a colon: "Phòng Kế hoạch - Tài chính: Khẩn trương …".

        Returns the lead (the whole phrase before the colon, so that local units unknown to the
        gazetteer keep their full name) and where the item's content starts.
        """
        text = self.text
        colon = text.find(":", block.start, min(block.end, block.start + _MAX_INLINE_HEADING))
        if colon < 0 or not text[colon + 1 : block.end].strip():
            return None
        head_start = block.start
        m = re.match(r"(?:Đối với|Giao|Đề nghị|Yêu cầu)\s+", text[head_start:colon], re.IGNORECASE)
        head_start += m.end() if m else 0
        inside = _in_span(self.actors, head_start, colon)
        if not inside or inside[0].start != head_start or inside[0].is_leader or inside[0].kind == "vague":
            return None
        if _PREDICATE_ANY.search(text, inside[0].end, colon) or _ASSIGN_VERB.search(text, head_start, colon):
            return None
        after = _in_span(self.actors, colon + 1, block.end)
        if after and not text[colon + 1 : after[0].start].strip():
            return None  # "các Tập đoàn: A, B …" lists agencies; it is not a heading
        phrase = text[head_start:colon].rstrip()
        first = inside[0]
        canonical = first.canonical if first.end >= head_start + len(phrase) else None
        lead = Actor(head_start, head_start + len(phrase), phrase, canonical, first.kind, first.enumeration)
        return lead, colon + 1

    def _block(self, block: Block, ctx: _Context | None, *, start: int | None = None) -> list[Found]:
        """Assignments of one block, clause by clause (see the module docstring, steps 2-4)."""
        text = self.text
        start, end = (block.start if start is None else start), block.end
        topic = _TOPIC.match(text, start, end)
        if topic:
            start = topic.end()
        # "… theo hướng: X chủ trì …" describes content, not new directives
        barrier = re.search(r"theo hướng\s*:", text[start:end])
        walk = _Walk(ctx)
        for sentence in split_sentences(text, start, start + barrier.start() if barrier else end):
            for clause in self._clauses(sentence):
                found = self._clause(clause, not self.announcement, start)
                if ctx is not None and ctx.heading:
                    found = [self._under_heading(f, ctx, clause) for f in found]
                for f in found:
                    f.sentence_start = sentence.start
                self._take(walk, clause, sentence, found)
        if barrier and walk.last is not None:
            walk.last.extra_ends.append(end)
        return walk.out

    def _take(self, walk: _Walk, clause: Span, sentence: Span, found: list[Found]) -> None:
        """Add what one clause yielded, or let a clause without an actor continue or inherit."""
        if not found and clause.text.lower().startswith(lexicon.NON_DIRECTIVE_OPENINGS):
            return  # "Ghi nhận …", "Đánh giá cao …": nothing to inherit or continue
        generic = [f for f in found if self._generic(f)]
        found = [f for f in found if f not in generic]
        if generic and not found:
            # "Bộ X thực hiện nghiêm các ý kiến chỉ đạo …; chủ trì, phối hợp …": keep X for what follows
            walk.last = generic[-1]
            return
        for f in found:
            last = walk.last
            if (
                last is not None
                and last.sentence_start == f.sentence_start
                and fold(last.lead.text) == fold(f.lead.text)
            ):
                if last.task_end < 0:
                    last.task_end = last.end
                last.end = max(last.end, f.end)  # the same lead named again in one sentence
                last.extra_ends.append(f.end)
                continue
            walk.add(f)
        if found:
            return
        last = walk.last
        if last is not None and _ROLE_START.match(clause.text):
            walk.add(self._implicit(last.lead, (), clause, sentence))
        elif last is not None and last in walk.out:
            last.extra_ends.append(clause.end)
        elif walk.ctx is not None and not walk.out:
            ctx = walk.ctx
            walk.add(self._implicit(ctx.lead, ctx.cooperating, clause, sentence))

    def _implicit(self, lead: Actor, fallback: Sequence[Actor], clause: Span, sentence: Span) -> Found:
        """An assignment whose lead is implicit (inherited from a heading or the previous clause)."""
        coop = _cooperating(self.text, self.actors, clause.start, clause.end, lead) or list(fallback)
        return Found(
            lead, coop, clause.start, clause.end, clause.start, explicit=False,
            task_start=clause.start, sentence_start=sentence.start,
        )  # fmt: skip

    def _under_heading(self, f: Found, ctx: _Context, clause: Span) -> Found:
        """Under "4. UBND các xã …", "Khẩn trương giao Ban QLDA …" stays the heading agency's task."""
        opening = self.text[clause.start : f.start]
        if not f.explicit or _in_span(self.actors, clause.start, f.start) or len(opening) > _MAX_OPENING:
            return f
        coop = [f.lead, *f.cooperating]
        return Found(
            ctx.lead, coop, clause.start, f.end, f.clause_start, explicit=True,
            task_start=clause.start, sentence_start=f.sentence_start,
        )  # fmt: skip

    def _clauses(self, sentence: Span) -> list[Span]:
        text = self.text
        spans: list[Span] = []
        cursor = sentence.start
        for m in _CLAUSE_SPLIT.finditer(text, sentence.start, sentence.end):
            spans.append(_trim(text, cursor, m.start()))
            cursor = m.end()
        spans.append(_trim(text, cursor, sentence.end))
        return [s for s in spans if s.text]

    def _clause(self, clause: Span, needs_chair_verb: bool, block_start: int) -> list[Found]:
        """Assignments stated in one clause: an actor-initial one first, then those of assigning verbs."""
        explicit = self._explicit(clause.start, clause.end, block_start)
        subject = None
        if not clause.text.lower().startswith(lexicon.NON_DIRECTIVE_OPENINGS):
            subject = self._subject_initial(
                clause.start, clause.end, needs_chair_verb=needs_chair_verb, block_start=block_start
            )
        out = list(explicit)
        if (
            subject is not None
            and not any(f.lead.start == subject.lead.start for f in explicit)
            and (not explicit or subject.lead.start < explicit[0].start)
        ):
            if explicit:
                subject.end = explicit[0].start
            out.insert(0, subject)
        return out

    def _generic(self, f: Found) -> bool:
        task = self.text[f.task_start : f.end].strip(" ,").lower()
        return task.startswith(lexicon.GENERIC_TASK)


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start] in " \t,":
        start += 1
    while end > start and text[end - 1] in " \t,.":
        end -= 1
    return Span(start, end, text[start:end])
