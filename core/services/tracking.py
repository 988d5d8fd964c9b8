"""Use cases: issue a reviewed meeting as tasks, and follow each task to done.

Issuing turns the confirmed assignments into tasks for directory agencies (an agency not in
the directory yet is added), plans their reminders for every official of the agencies
involved, and says which agencies have no official to receive them. Officials act only on
tasks of their own agency; secretaries decide extension requests. Every change goes to the
audit log (in the repositories).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from core.clock import Clock
from core.errors import InputError
from core.records import Agency, ItemStatus, MeetingState, Role
from core.tracking import (
    ExtensionRequest,
    OfficialStatus,
    PlannedReminder,
    ReminderKind,
    TaskState,
    TrackedTask,
)
from storage.meetings import MeetingRepository
from storage.people import PeopleRepository
from storage.reminders import NewReminder, ReminderRepository
from storage.tasks import NewTask, TaskRepository

logger = logging.getLogger(__name__)

EXTEND_KIND = "extend"  # the pending question "new deadline and reason"
MAX_REMINDER_DAYS = 365
DONE_NOTE_KIND = "done-note"  # the optional note or file after "✅ Hoàn thành"

Planner = Callable[[TrackedTask, dt.datetime], list[PlannedReminder]]  # the task and "now"
StatusOf = Callable[[TrackedTask, dt.date], OfficialStatus]  # the task and "today"


@dataclass(frozen=True, slots=True)
class Delivery:
    """A task to announce to one official."""

    chat_id: int
    task: TrackedTask
    role: str  # "lead" or "cooperating"
    agency: str


@dataclass(frozen=True, slots=True)
class IssueResult:
    """What issuing a meeting did."""

    tasks: tuple[TrackedTask, ...]
    deliveries: tuple[Delivery, ...]
    without_officials: tuple[Agency, ...]  # agencies nobody can be told about: invite their officials


@dataclass(frozen=True, slots=True)
class TaskView:
    """A task with what a reader needs: agency names and its official state."""

    task: TrackedTask
    lead: str
    cooperating: tuple[str, ...]
    status: OfficialStatus


@dataclass
class TrackingService:
    """Issue meetings as tasks; acknowledge, complete and extend them; list them by agency."""

    meetings: MeetingRepository
    people: PeopleRepository
    tasks: TaskRepository
    reminders: ReminderRepository
    planner: Planner
    status_of: StatusOf
    clock: Clock
    timezone: ZoneInfo
    parse_deadline: Callable[[str, dt.date], dt.date | None]  # a typed date or deadline, read from "today"
    admin_ids: frozenset[int] = frozenset()
    on_schedule_change: Callable[[], None] = lambda: None  # wakes the dispatcher

    def today(self) -> dt.date:
        """The date where the organisation is."""
        return self.clock.now().astimezone(self.timezone).date()

    # Issue
    def issue(self, meeting_id: int, *, actor: int) -> IssueResult:
        """Issue a reviewed meeting: its confirmed assignments become tasks.

        Raises:
            InputError: the meeting is not under review, or no assignment is confirmed.
        """
        meeting = self.meetings.get(meeting_id)
        if meeting is None or meeting.state is not MeetingState.REVIEW:
            raise InputError(
                "Chỉ ban hành được cuộc họp đang ở bước rà soát.", detail=f"meeting {meeting_id} not in review"
            )
        confirmed = [i for i in self.meetings.items(meeting_id) if i.status is ItemStatus.CONFIRMED]
        if not confirmed:
            raise InputError(
                "Chưa có nhiệm vụ nào được xác nhận; hãy xác nhận các nhiệm vụ trước khi ban hành.",
                detail=f"meeting {meeting_id} has no confirmed assignment",
            )
        new = []
        for item in confirmed:
            lead = self._agency(item.lead, actor)
            partners = tuple(self._agency(name, actor).id for name in item.cooperating)
            new.append(NewTask(meeting_id, item.id, lead.id, partners, item.task, item.deadline, item.recurrence))
        created = self.tasks.issue(new, actor=actor)
        self.meetings.set_state(meeting_id, MeetingState.ISSUED, actor=actor)
        deliveries: list[Delivery] = []
        silent: dict[int, Agency] = {}
        for task in created:
            for agency_id, role in self._agencies_of(task):
                officials = self.people.users(role=Role.OFFICIAL, agency_id=agency_id)
                agency = self.people.agency(agency_id)
                if agency is None:
                    continue
                if not officials:
                    silent[agency_id] = agency
                deliveries += [Delivery(o.id, task, role, agency.name) for o in officials]
            self.replan(task)
        logger.info("meeting issued", extra={"meeting": meeting_id, "tasks": len(created)})
        return IssueResult(tuple(created), tuple(deliveries), tuple(silent.values()))

    def _agency(self, name: str, actor: int) -> Agency:
        """The directory agency with this name or alias, added when missing."""
        folded = name.casefold()
        for agency in self.people.agencies():
            if folded in (agency.name.casefold(), *(a.casefold() for a in agency.aliases)):
                return agency
        return self.people.add_agency(name, actor=actor)

    def _agencies_of(self, task: TrackedTask) -> list[tuple[int, str]]:
        return [(task.lead_agency_id, "lead"), *((a, "cooperating") for a in task.cooperating_agency_ids)]

    def recipients(self, task: TrackedTask) -> list[int]:
        """Chats that receive the task's reminders: every official of its agencies."""
        chats: list[int] = []
        for agency_id, _ in self._agencies_of(task):
            chats += [u.id for u in self.people.users(role=Role.OFFICIAL, agency_id=agency_id) if u.id not in chats]
        return chats

    def escalation_chats(self, task: TrackedTask) -> list[int]:
        """Who hears of a task long overdue: the secretaries and the lead agency's head contact."""
        chats = self.secretaries()
        lead = self.people.agency(task.lead_agency_id)
        head = self.people.user(lead.head_user_id) if lead is not None and lead.head_user_id is not None else None
        if head is not None and head.role is Role.OFFICIAL and head.agency_id == task.lead_agency_id:
            chats = sorted({*chats, head.id})
        return chats

    def replan(self, task: TrackedTask) -> int:
        """Plan the task's reminders again (after issue, an extension, a new official); returns how many are new."""
        planned = [] if task.state is not TaskState.OPEN else self.planner(task, self.clock.now())
        officials, escalated = self.recipients(task), self.escalation_chats(task)
        rows = [
            NewReminder(task.id, f"{p.key}:{chat}", p.kind, chat, p.due_at)
            for p in planned
            for chat in (escalated if p.kind is ReminderKind.ESCALATION else officials)
        ]
        added = self.reminders.schedule(rows, replace_for_task=task.id)
        self.on_schedule_change()
        return added

    # Officials act on their agency's tasks
    def own_task(self, task_id: int, user_id: int) -> tuple[TrackedTask, str]:
        """The task and the user's agency's role in it; refuses a task of another agency."""
        task = self.tasks.get(task_id)
        user = self.people.user(user_id)
        role = None
        if task is not None and user is not None and user.role is Role.OFFICIAL and user.agency_id is not None:
            role = self.tasks.involves(task_id, user.agency_id)
        if task is None or role is None:
            raise InputError(
                "Nhiệm vụ này không thuộc cơ quan của anh/chị.", detail=f"task {task_id} not for {user_id}"
            )
        return task, role

    def acknowledge(self, task_id: int, *, user_id: int) -> tuple[TrackedTask, str]:
        """An official of an agency involved acknowledges the task; returns it and the agency's role."""
        _, role = self.own_task(task_id, user_id)
        task = self.tasks.acknowledge(task_id, actor=user_id)
        self.replan(task)  # no nudge any more
        return task, role

    def ask_extension(self, task_id: int, *, user_id: int) -> None:
        """Remember that the official's next text is the new date and reason of an extension request."""
        self.own_task(task_id, user_id)
        self.meetings.set_pending(user_id, kind=EXTEND_KIND, target_id=task_id)

    def answer_extension(self, user_id: int, text: str) -> ExtensionRequest | None:
        """Read "30/6/2026; reason" as the extension the official was asked for; None if none was asked.

        Raises:
            InputError: the date cannot be read (the question stays open) or the request is refused.
        """
        pending = self.meetings.pop_pending(user_id)
        if pending is None:
            return None
        if pending[0] != EXTEND_KIND:
            self.meetings.set_pending(user_id, kind=pending[0], target_id=pending[1], field=pending[2])
            return None
        date_text, _, reason = text.partition(";")
        new_deadline = self.parse_deadline(date_text.strip(), self.today())
        if new_deadline is None:
            self.meetings.set_pending(user_id, kind=EXTEND_KIND, target_id=pending[1])
            raise InputError(
                "Không hiểu thời hạn mới. Hãy gõ dạng «30/6/2026; lý do».", detail="unparsed extension date"
            )
        return self.request_extension(pending[1], user_id=user_id, new_deadline=new_deadline, reason=reason.strip())

    def complete(self, task_id: int, *, user_id: int, note: str | None = None) -> TrackedTask:
        """The lead agency's official reports the task done: its reminders stop.

        Raises:
            InputError: the user's agency only co-operates (the lead reports completion) or it is closed.
        """
        task, role = self.own_task(task_id, user_id)
        if role != "lead":
            raise InputError(
                "Cơ quan chủ trì báo cáo hoàn thành nhiệm vụ; cơ quan phối hợp không báo được.",
                detail=f"task {task_id}: co-operating agency cannot complete",
            )
        if task.state is not TaskState.OPEN:
            raise InputError("Nhiệm vụ này đã đóng.", detail=f"task {task_id} is {task.state}")
        done = self.tasks.complete(task_id, actor=user_id, note=note)
        self.reminders.cancel_for_task(task_id)
        self.on_schedule_change()
        self.meetings.set_pending(user_id, kind=DONE_NOTE_KIND, target_id=task_id)
        return done

    def set_reminders(self, task_id: int, text: str, *, actor: int) -> tuple[TrackedTask, int]:
        """A secretary's per-task reminder policy: "10,5,1" (days before), "tat" (off) or "macdinh" (default).

        Returns the task and how many reminders are now pending for it.

        Raises:
            InputError: no such open task, or the text is none of the three forms.
        """
        task = self.tasks.get(task_id)
        if task is None or task.state is not TaskState.OPEN:
            raise InputError(f"Không có nhiệm vụ #{task_id} đang thực hiện.", detail=f"no open task {task_id}")
        words = text.replace(" ", "").casefold()
        if words in {"tat", "tắt", "off"}:
            task = self.tasks.set_reminders(task_id, actor=actor, off=True)
        elif words in {"macdinh", "mặcđịnh", "default"}:
            task = self.tasks.set_reminders(task_id, actor=actor)
        else:
            try:
                days = tuple(sorted({int(d) for d in words.split(",") if d}, reverse=True))
            except ValueError:
                days = ()
            if not days or min(days) < 1 or max(days) > MAX_REMINDER_DAYS:
                raise InputError(
                    "Viết số ngày nhắc trước hạn, cách nhau bằng dấu phẩy (ví dụ 10,5,1), hoặc «tat», «macdinh».",
                    detail="unreadable reminder days",
                )
            task = self.tasks.set_reminders(task_id, actor=actor, days=days)
        self.replan(task)
        return task, self.reminders.pending_for(task_id)

    def withdraw(self, task_id: int, *, actor: int) -> tuple[TrackedTask, list[int]]:
        """A secretary withdraws an open task: no more reminders; the task and the officials to tell.

        Raises:
            InputError: no such open task.
        """
        task = self.tasks.get(task_id)
        if task is None or task.state is not TaskState.OPEN:
            raise InputError(f"Không có nhiệm vụ #{task_id} đang thực hiện.", detail=f"no open task {task_id}")
        withdrawn = self.tasks.cancel(task_id, actor=actor)
        self.reminders.cancel_for_task(task_id)
        self.on_schedule_change()
        return withdrawn, self.recipients(withdrawn)

    def pending_kind(self, user_id: int) -> str | None:
        """What the official's next message answers: ``EXTEND_KIND``, ``DONE_NOTE_KIND`` or None."""
        pending = self.meetings.pending(user_id)
        return pending[0] if pending is not None and pending[0] in (EXTEND_KIND, DONE_NOTE_KIND) else None

    def add_completion_note(self, user_id: int, note: str, *, file_id: str | None = None) -> TrackedTask | None:
        """The note or file an official sends after reporting a task done; None if none was asked for."""
        pending = self.meetings.pending(user_id)
        if pending is None or pending[0] != DONE_NOTE_KIND:
            return None
        self.meetings.pop_pending(user_id)
        task, _ = self.own_task(pending[1], user_id)
        return self.tasks.add_completion_note(task.id, note.strip()[:2000], actor=user_id, file_id=file_id)

    def request_extension(self, task_id: int, *, user_id: int, new_deadline: dt.date, reason: str) -> ExtensionRequest:
        """An official of the lead agency asks for a new deadline (later than the one in force)."""
        task, role = self.own_task(task_id, user_id)
        if role != "lead" or task.state is not TaskState.OPEN:
            raise InputError(
                "Chỉ cơ quan chủ trì xin gia hạn được, khi nhiệm vụ còn mở.", detail=f"task {task_id} extension refused"
            )
        if task.deadline is not None and new_deadline <= task.deadline:
            raise InputError("Thời hạn mới phải sau thời hạn hiện tại.", detail=f"task {task_id} extension not later")
        return self.tasks.request_extension(task_id, actor=user_id, new_deadline=new_deadline, reason=reason)

    def decide_extension(self, request_id: int, *, actor: int, approve: bool) -> tuple[ExtensionRequest, TrackedTask]:
        """A secretary approves or rejects an extension; an approval re-plans the reminders."""
        request = self.tasks.decide_extension(request_id, actor=actor, approve=approve)
        task = self.tasks.get(request.task_id)
        if task is None:
            raise InputError("Không tìm thấy nhiệm vụ.", detail=f"no task {request.task_id}")
        if approve:
            self.replan(task)
        return request, task

    # Views
    def view(self, task: TrackedTask) -> TaskView:
        """A task with agency names and its official state today."""
        lead = self.people.agency(task.lead_agency_id)
        partners = [self.people.agency(a) for a in task.cooperating_agency_ids]
        return TaskView(
            task,
            lead.name if lead else "?",
            tuple(p.name for p in partners if p is not None),
            self.status_of(task, self.today()),
        )

    def list_for(self, user_id: int, role: Role, *, agency_id: int | None = None) -> list[TaskView]:
        """Tasks a user may see: an official, their own agency's only; secretaries, all or one agency's."""
        if role is Role.OFFICIAL:
            user = self.people.user(user_id)
            if user is None or user.agency_id is None:
                return []
            agency_id = user.agency_id
        elif role not in (Role.SECRETARY, Role.ADMIN):
            return []
        return [self.view(t) for t in self.tasks.find(agency_id=agency_id)]

    def official_joined(self, user_id: int) -> list[Delivery]:
        """A new official of an agency: its open tasks are re-planned to include them; what to send them."""
        user = self.people.user(user_id)
        if user is None or user.role is not Role.OFFICIAL or user.agency_id is None:
            return []
        agency = self.people.agency(user.agency_id)
        deliveries = []
        for task in self.tasks.find(agency_id=user.agency_id, state=TaskState.OPEN):
            role = self.tasks.involves(task.id, user.agency_id) or "cooperating"
            deliveries.append(Delivery(user_id, task, role, agency.name if agency else ""))
            self.replan(task)
        return deliveries

    def reminder_context(self, task_id: int, chat_id: int) -> tuple[TaskView, str | None] | None:
        """What a reminder shows: the task and the recipient agency's role (None for a secretary).

        None when the task is closed (done or cancelled since the reminder was planned).
        """
        task = self.tasks.get(task_id)
        if task is None or task.state is not TaskState.OPEN:
            return None
        user = self.people.user(chat_id)
        role = None
        if user is not None and user.role is Role.OFFICIAL and user.agency_id is not None:
            role = self.tasks.involves(task_id, user.agency_id)
        return self.view(task), role

    def after_send(self, task_id: int) -> None:
        """Plan the task's next reminders after one was sent (overdue reminders roll day by day)."""
        task = self.tasks.get(task_id)
        if task is not None:
            self.replan(task)

    def secretaries(self) -> list[int]:
        """Chats of the secretaries and admins (escalations, extension requests and completions go to them)."""
        return sorted({*self.admin_ids, *(u.id for u in self.people.users(role=Role.SECRETARY))})
