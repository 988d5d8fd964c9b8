"""The spaCy pipeline: ``spacy.blank("vi")`` (pyvi word segmentation) plus ketluan components.

Components, registered with ``@Language.factory`` and run in this order:

* ``ketluan_structure``: normalisation (NFC, tone placement) and numbered blocks;
* ``ketluan_actors``: gazetteer agencies and actor phrases (``doc.spans["actors"]``);
* ``ketluan_meeting``: meeting metadata (``doc._.meeting``);
* ``ketluan_deadlines``: deadline phrases (``doc.spans["deadlines"]``);
* ``ketluan_extract``: conclusions and assignments (``doc._.extraction``).

Build it once with :func:`build_pipeline` and reuse it: loading takes about a second,
running it is cheap. The Doc's text is the source text exactly as read, so the spans
in ``doc.spans`` use the same offsets as the JSON output.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, cast

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from core.domain import Extraction
from nlp.actors import find_actors
from nlp.asr_normalize import normalize_transcript
from nlp.deadlines import find_deadlines, parse_date, resolve_deadline
from nlp.extract import directive_zone, find_assignments, merge_continuations, reference_date, to_extraction
from nlp.gazetteer import Gazetteer
from nlp.meeting import meeting_info
from nlp.normalize import normalize
from nlp.segment import split_blocks
from nlp.workdays import WorkCalendar

COMPONENTS = (
    "ketluan_structure",
    "ketluan_actors",
    "ketluan_meeting",
    "ketluan_deadlines",
    "ketluan_extract",
)

_EXTENSIONS = ("norm", "blocks", "actors", "deadlines", "meeting", "extraction", "zone")
_HINTS = ("meeting_date_hint", "received", "directives")  # set by Extractor.extract from its arguments
for _name in _EXTENSIONS + _HINTS:
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


def _set_spans(doc: Doc, key: str, spans: Sequence[tuple[int, int, str]]) -> None:
    norm = doc._.norm
    out = []
    for start, end, label in spans:
        s, e = norm.to_original(start, end)
        span = doc.char_span(s, e, label=label, alignment_mode="expand")
        if span is not None:
            out.append(span)
    doc.spans[key] = out


class StructureComponent:
    """Normalises the text and splits it into numbered blocks."""

    def __call__(self, doc: Doc) -> Doc:
        """Annotate ``doc`` with ``doc._.norm`` and ``doc._.blocks``."""
        norm = normalize(doc.text)
        doc._.norm = norm
        doc._.blocks = merge_continuations(split_blocks(norm.text), norm.text)
        _set_spans(doc, "blocks", [(b.start, b.end, b.kind) for b in doc._.blocks])
        return doc


class ActorsComponent:
    """Finds agencies (gazetteer) and other actors."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        """Keep the loaded gazetteer."""
        self.gazetteer = gazetteer

    def __call__(self, doc: Doc) -> Doc:
        """Annotate ``doc`` with ``doc._.actors``."""
        text = doc._.norm.text
        doc._.actors = find_actors(text, self.gazetteer.find(text))
        _set_spans(doc, "actors", [(a.start, a.end, a.kind) for a in doc._.actors])
        return doc


class MeetingComponent:
    """Finds the meeting metadata (date, chair, place, topic, attendees, document number)."""

    def __call__(self, doc: Doc) -> Doc:
        """Annotate ``doc`` with ``doc._.zone`` and ``doc._.meeting``."""
        text = doc._.norm.text
        blocks = doc._.blocks
        zone, announcement = (list(range(len(blocks))), True) if doc._.directives else directive_zone(blocks)
        doc._.zone = (zone, announcement)
        stop = blocks[zone[0]].end if zone and announcement else len(text)
        doc._.meeting = meeting_info(
            text, blocks, doc._.actors, stop=stop, given_date=doc._.meeting_date_hint, received=doc._.received
        )
        return doc


class DeadlinesComponent:
    """Finds deadline phrases, resolved against the meeting or document date."""

    def __init__(self, calendar: WorkCalendar) -> None:
        """Keep the working-day calendar."""
        self.calendar = calendar

    def __call__(self, doc: Doc) -> Doc:
        """Annotate ``doc`` with ``doc._.deadlines``."""
        ref = reference_date(doc._.meeting, doc._.meeting_date_hint, received=doc._.received)
        doc._.deadlines = find_deadlines(doc._.norm.text, reference=ref, calendar=self.calendar)
        _set_spans(doc, "deadlines", [(d.start, d.end, d.kind) for d in doc._.deadlines])
        return doc


class ExtractComponent:
    """Finds conclusions and assignments and builds the :class:`Extraction`."""

    def __call__(self, doc: Doc) -> Doc:
        """Annotate ``doc`` with ``doc._.extraction``."""
        norm = doc._.norm
        zone, announcement = doc._.zone
        proposals, concl = find_assignments(
            norm.text, doc._.blocks, zone, announcement=announcement, actors=doc._.actors, deadlines=doc._.deadlines
        )
        doc._.extraction = to_extraction(norm, doc._.meeting, proposals, concl)
        return doc


@Language.factory("ketluan_structure")
def make_structure(nlp: Language, name: str) -> StructureComponent:
    """Factory of the structure component."""
    return StructureComponent()


@Language.factory("ketluan_actors", default_config={"extra_agency_files": []})
def make_actors(nlp: Language, name: str, extra_agency_files: list[str]) -> ActorsComponent:
    """Factory of the actors component (loads the gazetteer once)."""
    return ActorsComponent(Gazetteer.load([Path(p) for p in extra_agency_files]))


@Language.factory("ketluan_meeting")
def make_meeting(nlp: Language, name: str) -> MeetingComponent:
    """Factory of the meeting-metadata component."""
    return MeetingComponent()


@Language.factory("ketluan_deadlines", default_config={"calendar_overrides": None})
def make_deadlines(nlp: Language, name: str, calendar_overrides: str | None) -> DeadlinesComponent:
    """Factory of the deadlines component (builds the working-day calendar once)."""
    return DeadlinesComponent(WorkCalendar.default(Path(calendar_overrides) if calendar_overrides else None))


@Language.factory("ketluan_extract")
def make_extract(nlp: Language, name: str) -> ExtractComponent:
    """Factory of the extraction component."""
    return ExtractComponent()


class Extractor:
    """The loaded pipeline: call :meth:`extract` as often as needed."""

    def __init__(self, nlp: Language) -> None:
        """Wrap a pipeline built by :func:`build_pipeline`."""
        self.nlp = nlp

    def extract(
        self, text: str, *, meeting_date: date | None = None, received: date | None = None, directives: bool = False
    ) -> Extraction:
        """Extract meeting info, conclusions and assignments from ``text``.

        Args:
            text: the source text exactly as read (offsets refer to it).
            meeting_date: the meeting date when the caller knows it better than the text.
            received: the day the notes arrived (a typed note or a recording forwarded to the bot):
                yearless dates and relative deadlines are resolved against it when the text has no
                document date ("Chiều 3/12 … họp", "trước ngày 15/12").
            directives: the whole text is directives (an assignment typed on its own, "Sở Tài chính
                rà soát dự toán, xong trước 15/12"), as if it followed "Kết luận:".
        """
        doc = self.nlp.make_doc(text)
        doc._.meeting_date_hint = meeting_date
        doc._.received = received
        doc._.directives = directives
        for _, proc in self.nlp.pipeline:
            doc = proc(doc)
        result: Extraction = doc._.extraction
        return result

    def normalize_speech(self, text: str) -> str:
        """A transcript in written conventions: agency casing, unambiguous numbers as digits (nlp.asr_normalize)."""
        actors = cast(ActorsComponent, self.nlp.get_pipe("ketluan_actors"))
        return normalize_transcript(text, actors.gazetteer)

    def canonical_agency(self, name: str) -> str | None:
        """The current canonical name of an agency typed by a user, or None when unknown."""
        actors = cast(ActorsComponent, self.nlp.get_pipe("ketluan_actors"))
        return actors.gazetteer.canonical_name(name)

    def agency_names(self) -> tuple[str, ...]:
        """Names of every current agency the gazetteer knows (for suggestions)."""
        actors = cast(ActorsComponent, self.nlp.get_pipe("ketluan_actors"))
        return tuple(agency.name for agency in actors.gazetteer.agencies if agency.replaced_by is None)

    def deadline(self, phrase: str, *, reference: date | None) -> date | None:
        """Resolve a deadline typed by a user ("trước 30/6", "15 ngày làm việc") against ``reference``."""
        deadlines = cast(DeadlinesComponent, self.nlp.get_pipe("ketluan_deadlines"))
        return resolve_deadline(phrase, reference=reference, calendar=deadlines.calendar)

    def date(self, text: str, *, reference: date | None) -> date | None:
        """Parse a plain date typed by a user ("22/11/2026", "ngày 5 tháng 8 năm 2026")."""
        return parse_date(text, reference=reference)


def build_pipeline(*, extra_agency_files: Sequence[Path] = (), calendar_overrides: Path | None = None) -> Extractor:
    """Create the spaCy pipeline with the ketluan components (do this once per process).

    Args:
        extra_agency_files: an organisation's own gazetteer files (same schema as the packaged one).
        calendar_overrides: an extra JSON file of days off / make-up working days.
    """
    nlp = spacy.blank("vi")
    nlp.add_pipe("ketluan_structure")
    cfg: dict[str, Any] = {"extra_agency_files": [str(p) for p in extra_agency_files]}
    nlp.add_pipe("ketluan_actors", config=cfg)
    nlp.add_pipe("ketluan_meeting")
    nlp.add_pipe(
        "ketluan_deadlines",
        config={"calendar_overrides": str(calendar_overrides) if calendar_overrides else None},
    )
    nlp.add_pipe("ketluan_extract")
    return Extractor(nlp)
