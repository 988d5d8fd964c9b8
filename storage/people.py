"""Agencies, registered users and one-time invite links."""

from __future__ import annotations

import json
import secrets
from typing import Any

from core.clock import Clock
from core.records import Agency, Role, User
from storage.audit import record
from storage.db import Store, insert_row

INVITE_TOKEN_BYTES = 12  # 16 url-safe characters: fits /start's 64-character payload


def _agency(row: dict[str, Any]) -> Agency:
    return Agency(
        id=row["id"], name=row["name"], aliases=tuple(json.loads(row["aliases"])), head_user_id=row.get("head_user_id")
    )


def _user(row: dict[str, Any]) -> User:
    return User(
        id=row["id"], role=Role(row["role"]), agency_id=row["agency_id"], name=row["name"], active=bool(row["active"])
    )


class PeopleRepository:
    """Reads and writes agencies, users and invites; every change goes to the audit log."""

    def __init__(self, store: Store, clock: Clock) -> None:
        """Use ``store``; ``clock`` stamps the rows."""
        self._store = store
        self._clock = clock

    def _now(self) -> str:
        return self._clock.now().isoformat()

    # Agencies
    def agencies(self) -> list[Agency]:
        """All agencies, by name."""
        with self._store.read() as db:
            return [_agency(row) for row in db.table("agencies").rows_where(order_by="name")]

    def agency(self, agency_id: int) -> Agency | None:
        """One agency, or None."""
        with self._store.read() as db:
            rows = list(db.table("agencies").rows_where("id = ?", [agency_id]))
        return _agency(rows[0]) if rows else None

    def agency_named(self, name: str) -> Agency | None:
        """The agency with this exact name (case-insensitive), or None."""
        with self._store.read() as db:
            rows = list(db.table("agencies").rows_where("lower(name) = lower(?)", [name]))
        return _agency(rows[0]) if rows else None

    def add_agency(self, name: str, *, actor: int | None, aliases: tuple[str, ...] = ()) -> Agency:
        """Add an agency (the existing one when the name is taken)."""
        with self._store.write() as db:
            existing = list(db.table("agencies").rows_where("lower(name) = lower(?)", [name]))
            if existing:
                return _agency(existing[0])
            row_id = insert_row(
                db.table("agencies"),
                {"name": name, "aliases": json.dumps(list(aliases), ensure_ascii=False), "created_at": self._now()},
            )
            record(db, self._clock, actor=actor, action="agency.add", entity="agency", entity_id=row_id, name=name)
        return Agency(id=int(row_id), name=name, aliases=aliases)

    def update_agency(
        self, agency_id: int, *, actor: int, name: str | None = None, aliases: tuple[str, ...] | None = None
    ) -> Agency:
        """Rename an agency or set its aliases."""
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = name
        if aliases is not None:
            changes["aliases"] = json.dumps(list(aliases), ensure_ascii=False)
        with self._store.write() as db:
            db.table("agencies").update(agency_id, changes)
            record(
                db, self._clock, actor=actor, action="agency.update", entity="agency", entity_id=agency_id, **changes
            )
            row = db.table("agencies").get(agency_id)
        return _agency(row)

    def set_head(self, agency_id: int, user_id: int | None, *, actor: int) -> Agency:
        """Set (or clear, with None) the official an agency's escalations also go to."""
        with self._store.write() as db:
            db.table("agencies").update(agency_id, {"head_user_id": user_id})
            record(
                db, self._clock, actor=actor, action="agency.head", entity="agency", entity_id=agency_id,
                head_user_id=user_id,
            )  # fmt: skip
            row = db.table("agencies").get(agency_id)
        return _agency(row)

    # Users
    def user(self, user_id: int) -> User | None:
        """The registered user with this Telegram id, or None."""
        with self._store.read() as db:
            rows = list(db.table("users").rows_where("id = ? AND active = 1", [user_id]))
        return _user(rows[0]) if rows else None

    def users(self, *, role: Role | None = None, agency_id: int | None = None) -> list[User]:
        """Active users, optionally of one role or agency."""
        where: list[str] = ["active = 1"]
        args: list[object] = []
        if role is not None:
            where.append("role = ?")
            args.append(role.value)
        if agency_id is not None:
            where.append("agency_id = ?")
            args.append(agency_id)
        with self._store.read() as db:
            return [_user(row) for row in db.table("users").rows_where(" AND ".join(where), args, order_by="id")]

    def put_user(self, user: User, *, actor: int | None) -> User:
        """Add or replace a user's role and agency."""
        with self._store.write() as db:
            db.table("users").upsert(
                {
                    "id": user.id,
                    "role": user.role.value,
                    "agency_id": user.agency_id,
                    "name": user.name,
                    "active": 1 if user.active else 0,
                    "created_at": self._now(),
                },
                pk="id",
            )
            record(
                db, self._clock, actor=actor, action="user.put", entity="user", entity_id=user.id,
                role=user.role.value, agency_id=user.agency_id, active=user.active,
            )  # fmt: skip
        return user

    # Invites
    def create_invite(self, agency_id: int, *, actor: int) -> str:
        """A new one-time token that makes its redeemer an official of ``agency_id``."""
        token = secrets.token_urlsafe(INVITE_TOKEN_BYTES)
        with self._store.write() as db:
            db.table("invites").insert(
                {"token": token, "agency_id": agency_id, "created_by": actor, "created_at": self._now()}
            )
            record(db, self._clock, actor=actor, action="invite.create", entity="agency", entity_id=agency_id)
        return token

    def redeem_invite(self, token: str, *, user_id: int, name: str) -> User | None:
        """Use an invite once: the user becomes an official of its agency; None if unknown or used."""
        with self._store.write() as db:
            rows = list(db.table("invites").rows_where("token = ? AND used_by IS NULL", [token]))
            if not rows:
                return None
            agency_id = rows[0]["agency_id"]
            db.table("invites").update(token, {"used_by": user_id, "used_at": self._now()})
            user = self.put_user(User(id=user_id, role=Role.OFFICIAL, agency_id=agency_id, name=name), actor=user_id)
            record(db, self._clock, actor=user_id, action="invite.redeem", entity="agency", entity_id=agency_id)
        return user
