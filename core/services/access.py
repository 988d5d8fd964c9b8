"""Use cases: who may do what, the agency directory, and invite links for officials."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.errors import InputError
from core.records import Agency, Role, User
from storage.people import PeopleRepository

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AccessService:
    """Roles (admins from the settings, the rest from the database), agencies and invites."""

    people: PeopleRepository
    admin_ids: frozenset[int]

    def role(self, user_id: int) -> Role:
        """The user's role; :attr:`Role.NONE` for strangers."""
        if user_id in self.admin_ids:
            return Role.ADMIN
        user = self.people.user(user_id)
        return user.role if user is not None else Role.NONE

    def user(self, user_id: int) -> User | None:
        """The registered user, or None (admins may have no record)."""
        return self.people.user(user_id)

    def agency_of(self, user_id: int) -> Agency | None:
        """The agency an official belongs to, or None."""
        user = self.people.user(user_id)
        if user is None or user.role is not Role.OFFICIAL or user.agency_id is None:
            return None
        return self.people.agency(user.agency_id)

    def members(self) -> list[tuple[int, Role]]:
        """Everyone with a command menu of their own: admins, secretaries and officials, with their role."""
        admins = [(admin, Role.ADMIN) for admin in sorted(self.admin_ids)]
        others = [(u.id, u.role) for role in (Role.SECRETARY, Role.OFFICIAL) for u in self.people.users(role=role)]
        return admins + [(user_id, role) for user_id, role in others if user_id not in self.admin_ids]

    def add_secretary(self, user_id: int, name: str, *, actor: int) -> User:
        """Make a Telegram user a secretary (admins only; checked by the caller's role)."""
        return self.people.put_user(User(id=user_id, role=Role.SECRETARY, agency_id=None, name=name), actor=actor)

    def agencies(self) -> list[Agency]:
        """The directory, by name."""
        return self.people.agencies()

    def find_agency(self, text: str) -> Agency:
        """The directory's agency named (or aliased) by ``text``, or by its number in the list.

        Raises:
            InputError: no such agency (the message lists close names).
        """
        wanted = " ".join(text.split()).strip()
        agencies = self.people.agencies()
        if wanted.isdigit() and 1 <= int(wanted) <= len(agencies):
            return agencies[int(wanted) - 1]
        folded = wanted.casefold()
        for agency in agencies:
            if folded in (agency.name.casefold(), *(alias.casefold() for alias in agency.aliases)):
                return agency
        close = [a.name for a in agencies if folded and folded in a.name.casefold()][:5]
        hint = ("; có thể là: " + ", ".join(close)) if close else ""
        raise InputError(
            f"Không có cơ quan «{wanted}» trong danh mục{hint}. Xem danh mục bằng /coquan.",
            detail="agency not in the directory",
        )

    def add_agency(self, name: str, *, actor: int) -> Agency:
        """Add an agency to the directory.

        Raises:
            InputError: the name is empty or too short.
        """
        clean = " ".join(name.split()).strip(" .;,")
        if len(clean) < 3:  # noqa: PLR2004
            raise InputError("Hãy gõ tên cơ quan, ví dụ: /coquan them Sở Tài chính", detail="empty agency name")
        return self.people.add_agency(clean, actor=actor)

    def rename_agency(self, text: str, new_name: str, *, actor: int) -> Agency:
        """Rename a directory agency (found by name, alias or number)."""
        agency = self.find_agency(text)
        clean = " ".join(new_name.split()).strip(" .;,")
        if len(clean) < 3:  # noqa: PLR2004
            raise InputError("Tên mới trống.", detail="empty new agency name")
        return self.people.update_agency(agency.id, actor=actor, name=clean)

    def set_aliases(self, text: str, aliases: list[str], *, actor: int) -> Agency:
        """Set the short names a directory agency is also known by."""
        agency = self.find_agency(text)
        clean = tuple(dict.fromkeys(a.strip() for a in aliases if a.strip()))
        return self.people.update_agency(agency.id, actor=actor, aliases=clean)

    def set_head(self, text: str, who: str, *, actor: int) -> tuple[Agency, User | None]:
        """Make one of an agency's officials its head contact (by Telegram id or name); "bo" clears it.

        Raises:
            InputError: no such agency, or ``who`` is not one of its officials (the message lists them).
        """
        agency = self.find_agency(text)
        wanted = " ".join(who.split()).casefold()
        if wanted in {"bo", "bỏ", "none", "-"}:
            return self.people.set_head(agency.id, None, actor=actor), None
        officials = self.people.users(role=Role.OFFICIAL, agency_id=agency.id)
        for official in officials:
            if wanted in (str(official.id), official.name.casefold()):
                return self.people.set_head(agency.id, official.id, actor=actor), official
        names = ", ".join(f"{o.name or o.id} ({o.id})" for o in officials) or "chưa có cán bộ nào; hãy mời bằng /moi"
        raise InputError(
            f"«{who.strip()}» không phải cán bộ của {agency.name}. Cán bộ của cơ quan: {names}.",
            detail="head contact is not an official of the agency",
        )

    def create_invite(self, text: str, *, actor: int) -> tuple[Agency, str]:
        """A one-time invite token for an agency of the directory (found by name, alias or number)."""
        agency = self.find_agency(text)
        return agency, self.people.create_invite(agency.id, actor=actor)

    def redeem(self, token: str, *, user_id: int, name: str) -> Agency | None:
        """Join through an invite: the user becomes an official of its agency; None if it is unknown or used."""
        existing = self.people.user(user_id)
        if user_id in self.admin_ids or (existing is not None and existing.role is Role.SECRETARY):
            return None  # an admin or a secretary does not become an official by accident
        user = self.people.redeem_invite(token, user_id=user_id, name=name)
        if user is None or user.agency_id is None:
            logger.info("invite refused", extra={"user": user_id})
            return None
        return self.people.agency(user.agency_id)
