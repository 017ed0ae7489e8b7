"""Bounded capture of a command's output, streamed line by line to a callback as it arrives.

Both transports read raw byte chunks; this turns them into text (UTF-8, undecodable bytes replaced), hands
every complete line to the caller's callback and keeps only the first `limit` characters for the result,
so a command that prints gigabytes costs constant memory.
"""

from __future__ import annotations

import codecs

from console.core.transport.base import OutputCallback, Stream

MAX_PENDING_LINE = 64 * 1024
"""A line longer than this is passed to the callback in pieces rather than buffered whole."""


class OutputCollector:
    def __init__(self, stream: Stream, limit: int, callback: OutputCallback | None) -> None:
        self._stream: Stream = stream
        self._limit = max(0, limit)
        self._callback = callback
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._kept: list[str] = []
        self._kept_chars = 0
        self._pending = ""
        self.truncated = False
        self.total_bytes = 0

    def feed(self, data: bytes) -> None:
        self.total_bytes += len(data)
        self._take(self._decoder.decode(data))

    def finish(self) -> None:
        """Flush what is left: an undecodable tail and a last line without a newline."""
        self._take(self._decoder.decode(b"", final=True))
        if self._pending:
            self._emit(self._pending)
            self._pending = ""

    @property
    def text(self) -> str:
        return "".join(self._kept)

    def _take(self, text: str) -> None:
        if not text:
            return
        self._keep(text)
        if self._callback is None:
            return
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        for line in lines:
            self._emit(line)
        if len(self._pending) > MAX_PENDING_LINE:
            self._emit(self._pending)
            self._pending = ""

    def _keep(self, text: str) -> None:
        room = self._limit - self._kept_chars
        if room <= 0:
            self.truncated = True
            return
        if len(text) > room:
            text = text[:room]
            self.truncated = True
        self._kept.append(text)
        self._kept_chars += len(text)

    def _emit(self, line: str) -> None:
        if self._callback is not None:
            self._callback(self._stream, line.removesuffix("\r"))


def with_marker(collector: OutputCollector, marker: str) -> str:
    """The kept text, followed by `marker` when something was dropped."""
    return collector.text + marker if collector.truncated else collector.text
