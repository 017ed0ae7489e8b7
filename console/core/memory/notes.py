"""Notes in the record store, and recall: notes and actions matching any text, ranked by relevance (the
backend's full-text candidates) and recency."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Literal

from console.core.memory.base import StoreBase, marks
from console.core.memory.recall import CANDIDATES, combined_score, query_words
from console.core.memory.records import RecallHit
from console.core.redact import redact

NOTE_AUTHORS = ("operator", "model")


class NotesAndRecall(StoreBase):
    def add_note(
        self, text: str, *, host: str | None = None, tags: Sequence[str] = (), author: str = "operator"
    ) -> int:
        """Something the operator or the model chose to remember."""
        if author not in NOTE_AUTHORS:
            raise ValueError(f"unknown note author {author!r} (known: {', '.join(NOTE_AUTHORS)})")
        if not text.strip():
            raise ValueError("a note needs some text")
        text = redact(text)
        clean_tags = [redact(tag) for tag in tags]
        now = self._clock()
        with self._write() as db:
            note_id = int(
                db.execute(
                    "INSERT INTO notes (text, host, tags, author, created, operator) VALUES (?, ?, ?, ?, ?, ?)"
                    " RETURNING id",
                    (text, host, json.dumps(clean_tags), author, now, self.operator),
                ).fetchone()[0]
            )
            db.execute(
                "INSERT INTO notes_fts (rowid, text, tags) VALUES (?, ?, ?)", (note_id, text, " ".join(clean_tags))
            )
            payload = {"note": note_id, "host": host, "tags": clean_tags, "author": author, "text": text}
            self._audit(db, "note-added", payload, now, [("notes", note_id)])
        return note_id

    def recall(self, query: str, *, host: str | None = None, limit: int = 10) -> list[RecallHit]:
        """Notes and actions matching `query` (any text), ranked by relevance and recency, best first.

        With `host`, actions on that host and notes about it or about no host in particular.
        """
        return self._recall(query, hosts=[host] if host else [], limit=limit, kinds=("note", "action"))

    def _recall(
        self, query: str, *, hosts: Sequence[str], limit: int, kinds: Sequence[Literal["note", "action"]]
    ) -> list[RecallHit]:
        words = query_words(query)
        if not words or limit <= 0:
            return []
        now = self._clock()
        candidates: list[tuple[float, RecallHit]] = []
        with self._read() as db:
            if "note" in kinds:
                for row in self._backend.text_candidates(db, "note", words, hosts, CANDIDATES):
                    tags = json.loads(row[3])
                    detail = f"note by {row[4]}" + (f", tags: {', '.join(tags)}" if tags else "")
                    candidates.append((row[6], RecallHit("note", row[0], row[1], row[2], detail, row[5], 0.0)))
            if "action" in kinds:
                for row in self._backend.text_candidates(db, "action", words, hosts, CANDIDATES):
                    if row[5] == "finished" and row[6] is not None:
                        status = f" exit {row[6]}"
                    else:
                        status = "" if row[5] in ("decided", "declined") else f" {row[5]}"
                    detail = f"{row[3]} {row[4] or 'undecided'}{status}"
                    candidates.append((row[8], RecallHit("action", row[0], row[1], row[2], detail, row[7], 0.0)))
        if not candidates:
            return []
        best = max(relevance for relevance, _ in candidates)
        scored = [
            RecallHit(
                hit.kind, hit.id, hit.host, hit.text, hit.detail, hit.when, combined_score(rel, best, now - hit.when)
            )
            for rel, hit in candidates
        ]
        scored.sort(key=lambda hit: (hit.score, hit.when), reverse=True)
        return scored[:limit]

    def notes(self, hosts: Sequence[str] = (), limit: int = 20) -> list[RecallHit]:
        """The newest notes about `hosts` (and about no host in particular); all notes when `hosts` is empty."""
        host_list = list(hosts)
        where = f" WHERE host IS NULL OR host IN ({marks(host_list)})" if host_list else ""
        with self._read() as db:
            rows = db.execute(
                f"SELECT id, host, text, tags, author, created FROM notes{where} ORDER BY id DESC LIMIT ?",
                (*host_list, limit),
            ).fetchall()
        hits = []
        for row in rows:
            tags = json.loads(row[3])
            detail = f"note by {row[4]}" + (f", tags: {', '.join(tags)}" if tags else "")
            hits.append(RecallHit("note", row[0], row[1], row[2], detail, row[5], 1.0))
        return hits
