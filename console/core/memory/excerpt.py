"""A bounded, redacted excerpt of a command's output: its head and its tail, which is where the story is."""

from __future__ import annotations

from console.core.redact import redact

OUTPUT_EXCERPT_CHARS = 4096
# Redaction looks at a window wider than what is kept, so a secret cut by the window's edge lies in the part
# that is thrown away (private key blocks cut at either end are recognised on their own).
_WINDOW_FACTOR = 4


def output_excerpt(output: str, limit: int = OUTPUT_EXCERPT_CHARS) -> str:
    """At most about `limit` characters: all of a short output, else its redacted head and tail."""
    window = limit * _WINDOW_FACTOR
    if len(output) <= window:
        cleaned = redact(output)
        if len(cleaned) <= limit:
            return cleaned
        head, tail, omitted = cleaned[: limit // 2], cleaned[-(limit // 2) :], len(cleaned) - limit
    else:
        head = redact(output[:window])[: limit // 2]
        tail = redact(output[-window:])[-(limit // 2) :]
        omitted = len(output) - len(head) - len(tail)
    return f"{head}\n[... {omitted} characters omitted by hitl ...]\n{tail}"
