"""The analyzer registry: every analyzer a rule may name, the one function that runs it and the parameters
it accepts.

Rule files name analyzers by string (`analyzer = "wrapper"`); the loader refuses a name that is not here and
parameters that are not in the analyzer's schema or have the wrong type, so a rule that loads can always run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from console.core.classify.analyzers.context import Context

# How a parameter is written in TOML: a whole number, true/false, a string, or a string or list of strings
# (normalised to a tuple of strings).
ParamKind = Literal["int", "bool", "str", "strings"]

# An analyzer looks at one selected rule in its context and adds findings. It returns True when it accounted
# for the command itself, so the rule's own effect does not apply (a wrapper that found the command it runs).
Analyzer = Callable[["Context"], bool]


@dataclass(slots=True)
class AnalyzerSpec:
    name: str
    run: Analyzer
    params: Mapping[str, ParamKind] = field(default_factory=dict)


_REGISTRY: dict[str, AnalyzerSpec] = {}


def analyzer(name: str, **params: ParamKind) -> Callable[[Analyzer], Analyzer]:
    """Register the decorated function as the analyzer `name`, accepting `params` (name -> kind)."""

    def register(run: Analyzer) -> Analyzer:
        if name in _REGISTRY:
            raise ValueError(f"analyzer {name!r} is registered twice")
        _REGISTRY[name] = AnalyzerSpec(name, run, dict(params))
        return run

    return register


def get(name: str) -> AnalyzerSpec | None:
    return _REGISTRY.get(name)


def names() -> frozenset[str]:
    return frozenset(_REGISTRY)


class ParamError(ValueError):
    """A rule's `params` table does not fit its analyzer; the message says which key and why."""


_KIND_WORDS = {
    "int": "a whole number",
    "bool": "true or false",
    "str": "a string",
    "strings": "a string or a list of strings",
}


def check_params(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """`params` checked against the schema of analyzer `name` (which must exist), with strings lists as
    tuples. Rules without an analyzer may still carry the generic `output_only` flag."""
    spec = _REGISTRY.get(name)
    schema: Mapping[str, ParamKind] = spec.params if spec is not None else {}
    checked: dict[str, Any] = {}
    for key, value in params.items():
        kind = schema.get(key) or GENERIC_PARAMS.get(key)
        if kind is None:
            known = ", ".join(sorted({*schema, *GENERIC_PARAMS}))
            raise ParamError(f"unknown parameter {key} for analyzer {name!r} (known: {known})")
        checked[key] = _checked(key, kind, value)
    return checked


# Parameters any rule may carry, whatever its analyzer.
# `chdir`: options whose value is the directory the command works in (`git -C`, `env -C`, `tar -C`).
GENERIC_PARAMS: Mapping[str, ParamKind] = {"output_only": "bool", "old_style": "bool", "chdir": "strings"}


def _checked(key: str, kind: ParamKind, value: Any) -> Any:
    ok = (
        (kind == "int" and isinstance(value, int) and not isinstance(value, bool))
        or (kind == "bool" and isinstance(value, bool))
        or (kind == "str" and isinstance(value, str))
        or (
            kind == "strings"
            and (isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)))
        )
    )
    if not ok:
        raise ParamError(f"{key} must be {_KIND_WORDS[kind]}, not {value!r}")
    if kind == "strings":
        return (value,) if isinstance(value, str) else tuple(value)
    return value
