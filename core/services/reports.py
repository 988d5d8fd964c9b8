"""Use cases: the per-agency report in the four official states, and full-text search.

The report counts the tasks issued in a period by lead agency, each in its official state
as of the period's last day (or today, if that is earlier). Search covers meeting texts,
conclusions, assignments and tasks for secretaries; an official finds only tasks that
involve their own agency.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from core.clock import Clock
from core.errors import InputError
from core.records import Role
from core.tracking import OfficialStatus, TaskState, TrackedTask
from render.report import write_csv, write_xlsx
from storage.people import PeopleRepository
from storage.search import SearchHit, SearchRepository
from storage.tasks import TaskRepository

STATES = (
    OfficialStatus.DONE_ON_TIME,
    OfficialStatus.DONE_LATE,
    OfficialStatus.IN_PROGRESS,
    OfficialStatus.OVERDUE,
)


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One agency's counts in the four official states."""

    agency: str
    counts: tuple[int, int, int, int]  # in the order of STATES

    @property
    def total(self) -> int:
        """All its tasks in the period."""
        return sum(self.counts)


@dataclass(frozen=True, slots=True)
class Report:
    """The report of a period."""

    start: dt.date
    end: dt.date
    rows: tuple[ReportRow, ...]

    @property
    def totals(self) -> tuple[int, int, int, int]:
        """The counts over all agencies."""
        return tuple(sum(r.counts[i] for r in self.rows) for i in range(len(STATES)))  # type: ignore[return-value]

    def table(self) -> list[list[object]]:
        """Rows for the .csv/.xlsx files, the totals last."""
        body: list[list[object]] = [[r.agency, *r.counts, r.total] for r in self.rows]
        return [*body, ["Tổng cộng", *self.totals, sum(self.totals)]]


DIGEST_SOON_DAYS = 7


@dataclass(frozen=True, slots=True)
class DigestLine:
    """One task in the weekly digest."""

    task_id: int
    agency: str  # the lead agency
    task: str
    deadline: dt.date | None


@dataclass(frozen=True, slots=True)
class Digest:
    """The secretaries' weekly digest, as of ``today``."""

    today: dt.date
    overdue: tuple[DigestLine, ...]  # open past the deadline in force, the longest overdue first
    due_soon: tuple[DigestLine, ...]  # open, due within DIGEST_SOON_DAYS
    in_progress: int  # all open tasks within their deadline
    done_on_time: int  # completed in the last seven days
    done_late: int

    @property
    def empty(self) -> bool:
        """Nothing open and nothing completed this week: no digest is worth sending."""
        return not (self.overdue or self.in_progress or self.done_on_time or self.done_late)


@dataclass
class ReportService:
    """Reports and search."""

    tasks: TaskRepository
    people: PeopleRepository
    search_index: SearchRepository
    status_of: Callable[[TrackedTask, dt.date], OfficialStatus]
    clock: Clock
    timezone: ZoneInfo

    def today(self) -> dt.date:
        """The date where the organisation is."""
        return self.clock.now().astimezone(self.timezone).date()

    def period(self, text: str) -> tuple[dt.date, dt.date]:
        """Read "[from] [to]" (dd/mm/yyyy); the current month up to today when empty.

        Raises:
            InputError: a date cannot be read, or the period ends before it starts.
        """
        today = self.today()
        parts = text.split()
        if not parts:
            return today.replace(day=1), today
        try:
            dates = [dt.datetime.strptime(p, "%d/%m/%Y").replace(tzinfo=self.timezone).date() for p in parts[:2]]
        except ValueError as exc:
            raise InputError(
                "Kỳ báo cáo viết dạng: /baocao 01/11/2026 30/11/2026", detail="unparsed report period"
            ) from exc
        start, end = dates[0], dates[1] if len(dates) > 1 else today
        if end < start:
            raise InputError("Ngày kết thúc phải sau ngày bắt đầu.", detail="report period reversed")
        return start, end

    def report(self, start: dt.date, end: dt.date) -> Report:
        """Count the tasks issued in ``[start, end]`` by lead agency and official state."""
        as_of = min(end, self.today())
        counters: dict[int, Counter[OfficialStatus]] = {}
        for task in self.tasks.find():
            issued = task.issued_at.astimezone(self.timezone).date()
            if task.state is TaskState.CANCELLED or not start <= issued <= end:
                continue
            counters.setdefault(task.lead_agency_id, Counter())[self.status_of(task, as_of)] += 1
        rows = []
        for agency_id, counter in counters.items():
            agency = self.people.agency(agency_id)
            counts = tuple(counter[state] for state in STATES)
            rows.append(ReportRow(agency.name if agency else "?", counts))  # type: ignore[arg-type]
        rows.sort(key=lambda r: (-r.counts[3], r.agency))  # the most overdue first
        return Report(start, end, tuple(rows))

    def digest(self) -> Digest:
        """The weekly digest: overdue and soon-due open tasks, and what was completed in the last seven days."""
        today = self.today()
        week_ago = today - dt.timedelta(days=7)
        overdue, soon, in_progress, on_time, late = [], [], 0, 0, 0
        for task in self.tasks.find():
            status = self.status_of(task, today)
            if task.state is TaskState.OPEN:
                agency = self.people.agency(task.lead_agency_id)
                line = DigestLine(task.id, agency.name if agency else "?", task.task, task.deadline)
                if status is OfficialStatus.OVERDUE:
                    overdue.append(line)
                else:
                    in_progress += 1
                    if task.deadline is not None and (task.deadline - today).days <= DIGEST_SOON_DAYS:
                        soon.append(line)
            elif task.completed_at is not None and task.completed_at.astimezone(self.timezone).date() > week_ago:
                on_time += status is OfficialStatus.DONE_ON_TIME
                late += status is OfficialStatus.DONE_LATE
        overdue.sort(key=lambda line: (line.deadline or today, line.task_id))
        soon.sort(key=lambda line: (line.deadline or today, line.task_id))
        return Digest(today, tuple(overdue), tuple(soon), in_progress, on_time, late)

    def files(self, report: Report, out_dir: Path) -> list[Path]:
        """The report as .xlsx and .csv."""
        stem = f"bao-cao-nhiem-vu-{report.start:%Y%m%d}-{report.end:%Y%m%d}"
        title = f"Tình hình thực hiện nhiệm vụ từ {report.start:%d/%m/%Y} đến {report.end:%d/%m/%Y}"
        return [
            write_xlsx(report.table(), out_dir / f"{stem}.xlsx", title=title),
            write_csv(report.table(), out_dir / f"{stem}.csv"),
        ]

    def search(self, text: str, *, user_id: int, role: Role) -> list[SearchHit]:
        """Search what the user may see: everything for secretaries, their agency's tasks for officials."""
        if role in (Role.SECRETARY, Role.ADMIN):
            return self.search_index.search(text)
        user = self.people.user(user_id)
        if role is not Role.OFFICIAL or user is None or user.agency_id is None:
            return []
        agency = user.agency_id
        hits = self.search_index.search(text, kinds=("task",), limit=100)
        return [h for h in hits if self.tasks.involves(h.ref_id, agency) is not None][:20]
