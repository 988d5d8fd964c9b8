"""Full-text search over meetings, conclusions, assignments and tasks (SQLite FTS5, see m003)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from storage.db import Store

MAX_HITS = 20
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One match: what it is, which row and meeting, and a snippet with the match in [brackets]."""

    kind: str  # "text", "conclusion", "assignment" or "task"
    ref_id: int
    meeting_id: int
    snippet: str


def fts_query(text: str) -> str | None:
    """A safe FTS5 query: every word of ``text`` must occur (quoted, so no operator syntax leaks in)."""
    words = _WORD.findall(text)
    return " ".join(f'"{w}"' for w in words) or None


class SearchRepository:
    """Runs searches."""

    def __init__(self, store: Store) -> None:
        """Use ``store``."""
        self._store = store

    def search(self, text: str, *, kinds: tuple[str, ...] | None = None, limit: int = MAX_HITS) -> list[SearchHit]:
        """The best matches of ``text`` (diacritics and case ignored), optionally of some kinds only."""
        query = fts_query(text)
        if query is None:
            return []
        sql = (
            "SELECT kind, ref_id, meeting_id, snippet(search_index, 3, '[', ']', '…', 12) "
            "FROM search_index WHERE search_index MATCH ?"
        )
        args: list[object] = [query]
        if kinds:
            sql += f" AND kind IN ({', '.join('?' for _ in kinds)})"
            args += list(kinds)
        sql += " ORDER BY rank LIMIT ?"
        args.append(limit)
        with self._store.read() as db:
            rows = db.execute(sql, args).fetchall()
        return [SearchHit(str(k), int(r), int(m), str(snip)) for k, r, m, snip in rows]
