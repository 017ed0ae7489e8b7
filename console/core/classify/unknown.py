"""Programs hitl has no rule for. They are never READ (`unknown_command_tier`, WRITE by default); this module
finds what makes one DESTRUCTIVE although hitl does not know the program:

- a delete-like verb among its first words or option names (`influx bucket delete`, `keytool -delete`,
  `mytool --purge`), by the same lexicon as the multi-level CLIs (`rules/verbs.toml`);
- a command it may run: a known program among its operands (`pkexec rm -rf x`, `cpulimit -l 5 -- rm -rf x`:
  an unknown program may be a wrapper), or a shell command line in an argument (`sg docker -c 'docker rm
  -f db'`);
- SQL in an argument (`cqlsh -e 'TRUNCATE ks.t'`).

Only DESTRUCTIVE findings are kept from what is read this way: the program is already WRITE, and a guess
must never lower anything.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from console.core.classify.ir import Script, SimpleCommand, Word
from console.core.tiers import Tier

if TYPE_CHECKING:
    from console.core.classify.engine import _Analysis

_VERB_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*$")
_SQL = re.compile(r"^\s*(DROP|TRUNCATE|DELETE|GRANT|REVOKE|ALTER|UPDATE|INSERT|CREATE|SELECT|REPLACE|MERGE)\b", re.I)
_SCRIPT = re.compile(r"[\s;|&]")
_MAX_WORDS = 8  # verb-like words looked at: a command path is short; later words are data


def unknown_program(
    analysis: _Analysis, argv: list[Word], *, cmd: SimpleCommand, script: Script, depth: int, where: str
) -> None:
    """Add what makes `argv` (a program without a rule) DESTRUCTIVE, if anything."""
    name = argv[0].text.rsplit("/", 1)[-1]
    lexicon = analysis.policy.verbs
    seen = 0
    for word in argv[1:]:
        if word.dynamic or seen >= _MAX_WORDS:
            continue
        text = word.text
        candidate = text.lstrip("-").split("=", 1)[0] if text.startswith("-") else text
        if not _VERB_LIKE.match(candidate):
            continue
        seen += 1
        verb = lexicon.verb(candidate)
        if verb is not None and verb.tier == Tier.DESTRUCTIVE:
            what = "grants privileges" if verb.why == "grant" else "says it removes or stops something"
            analysis.add(
                Tier.DESTRUCTIVE,
                f"`{name}` has no rule, and `{text}` {what} ({verb.word}){where}",
                consequence=f"`{name} {text}` may remove or stop something; hitl does not know this program, "
                "so nothing is captured first.",
            )
            return
    mark = len(analysis.findings)
    words = [(i, w) for i, w in enumerate(argv[1:], start=1) if not w.dynamic and w.text and w.text[0] != "-"]
    for _, word in words:
        if _SQL.match(word.text):
            analysis.unknown_sql(name, word.text, where)
        elif _SCRIPT.search(word.text):
            analysis.script(word.text, depth + 1, f" (in an argument of `{name}`, which may run it){where}")
    for index, word in words:
        if not _SCRIPT.search(word.text) and analysis.rules.lookup(word.text.rsplit("/", 1)[-1]) is not None:
            analysis.argv(argv[index:], cmd, script, depth + 1, f" (if `{name}` runs it){where}")
            break
    analysis.findings[mark:] = [f for f in analysis.findings[mark:] if f.tier == Tier.DESTRUCTIVE]
