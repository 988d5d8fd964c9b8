"""The append-only audit log: every edit, issue, send and status change (triggers forbid changes)."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from core.clock import Clock


def record(
    db: Database, clock: Clock, *, actor: int | None, action: str, entity: str, entity_id: int | None, **detail: Any
) -> None:
    """Append one entry inside the caller's transaction.

    Args:
        db: The database, inside a write transaction (:meth:`storage.db.Store.write`).
        clock: Stamps the entry.
        actor: Telegram id of who did it (None for the system).
        action: What happened, dotted (``"assignment.confirm"``).
        entity: The kind of thing it happened to (``"meeting"``).
        entity_id: Its id.
        **detail: What changed (never transcript text).
    """
    db.table("audit").insert(
        {
            "at": clock.now().isoformat(),
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "detail": json.dumps(detail, ensure_ascii=False, default=str),
        }
    )


def entries(db: Database, *, entity: str | None = None, entity_id: int | None = None) -> list[dict[str, Any]]:
    """Audit entries in order, optionally for one entity."""
    where: list[str] = []
    args: list[object] = []
    if entity is not None:
        where.append("entity = ?")
        args.append(entity)
    if entity_id is not None:
        where.append("entity_id = ?")
        args.append(entity_id)
    rows = db.table("audit").rows_where(" AND ".join(where) or None, args, order_by="id")
    return [{**row, "detail": json.loads(row["detail"])} for row in rows]
