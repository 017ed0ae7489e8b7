"""Analyzers: code for what rule data cannot describe (wrappers, shell text, sed/awk/find languages, inline
code, SQL). Each is one function taking one `Context`, registered by name in `registry`; rule files name
them (`analyzer = "wrapper"`) and the loader checks the name and the parameters against the registry."""

from console.core.classify.analyzers import code, http, remote, session, shells, sql, text, variables, verbs, wrappers
from console.core.classify.analyzers.context import Analysis, Context
from console.core.classify.analyzers.registry import AnalyzerSpec, ParamError, check_params, get, names

__all__ = [
    "Analysis",
    "AnalyzerSpec",
    "Context",
    "ParamError",
    "check_params",
    "code",
    "get",
    "http",
    "names",
    "remote",
    "session",
    "shells",
    "sql",
    "text",
    "variables",
    "verbs",
    "wrappers",
]
