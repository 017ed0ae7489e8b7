"""The command classifier: shell text -> READ / WRITE / DESTRUCTIVE with reasons, targets and a capture plan.

`classify(command, *, rules=None, unknown_tier=Tier.WRITE, critical_paths=())` parses with tree-sitter-bash
into a small IR (`ir.py`, `parse.py`; plain lines without the parser), applies the rules (data files in
`rules/`, loaded and checked by `loader.py`, argument grammars in `grammar.py`, the verb lexicon in
`lexicon.py`) and the analyzers for nested code (`analyzers/`). It never runs anything and never raises.
`hitl_paths(paths)` gives hitl's own directories for `critical_paths`. See docs/CLASSIFIER.md.
"""

from console.core.classify.engine import classify, critical_reason
from console.core.classify.loader import RuleError, default_rules, effective_rules, load_rules
from console.core.classify.model import CaptureStrategy, Classification, Target
from console.core.classify.policy import hitl_paths
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
    "hitl_paths",
    "load_rules",
]
