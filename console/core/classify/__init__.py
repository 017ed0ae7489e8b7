"""The command classifier: shell text -> READ / WRITE / DESTRUCTIVE with reasons, targets and a capture plan.

`classify(command)` parses with tree-sitter-bash into a small IR (`ir.py`, `parse.py`), applies the rules
(data files in `rules/`, loaded by `rules.py`) and the analyzers for nested code (`engine.py`, `sql.py`,
`snippets.py`). It never runs anything.
"""

from console.core.classify.engine import classify, critical_reason
from console.core.classify.loader import RuleError, default_rules, effective_rules, load_rules
from console.core.classify.model import CaptureStrategy, Classification, Target
from console.core.classify.rules import RuleSet

__all__ = [
    "CaptureStrategy",
    "Classification",
    "RuleError",
    "RuleSet",
    "Target",
    "classify",
    "critical_reason",
    "default_rules",
    "effective_rules",
    "load_rules",
]
