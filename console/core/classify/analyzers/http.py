"""HTTP clients judged by method AND path (`curl`, `wget`, `http`/`xh`, `gh api`).

A GET reads, POST/PUT/PATCH write, DELETE destroys; and whatever the method, a path or query whose word says
delete (`POST /v1/users/42/delete`, `/_delete_by_query`, `?action=purge`, `instances/i:stop`) or a request
body that says it (a GraphQL `deleteUser` mutation) is DESTRUCTIVE, and a GET to a path that says restart or
create is WRITE. The words come from the verb lexicon (lexicon.py).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from console.core.classify.analyzers.context import Context
from console.core.classify.analyzers.registry import analyzer
from console.core.classify.lexicon import Lexicon, words
from console.core.classify.model import Target
from console.core.tiers import Tier

_METHOD = re.compile(r"^[A-Z]{3,10}$")
_OVERRIDE = re.compile(r"(?i)^\s*x-(?:http-)?method(?:-override)?\s*:\s*([a-z]+)")
# A first word that only introduces the action (`doDelete`, `forceDelete`, `bulk_delete`).
_NOT_GRANTS = frozenset({"admin", "administrator", "api", "owner"})
_FILLER = frozenset({"do", "perform", "force", "bulk", "batch", "mass", "hard", "api", "admin", "async"})
_READING = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "SEARCH"})
_DESTROYING = frozenset({"DELETE"})  # PURGE empties a cache, which refills: a write
# Words that make even a GET change something when a path segment starts with one (`/admin/restart`).
_ACTIONS = frozenset(
    {"restart", "reboot", "reload", "start", "create", "update", "set", "run", "exec", "execute", "deploy"}
    | {"trigger", "invoke", "apply", "enable", "activate", "upgrade", "install", "import", "publish", "approve"}
)


@analyzer(
    "http",
    method_options="strings",
    data_options="strings",
    put_options="strings",
    head_options="strings",
    get_options="strings",
    method_operand="bool",
    items="bool",
    default_method="str",
    header_options="strings",
)
def http(ctx: Context) -> bool:
    """`method_operand`: the first operand may be the method (`http DELETE url`); `items`: httpie-style
    `key=value` operands are a request body; `default_method` when nothing says otherwise (GET)."""
    params = ctx.params
    parsed = ctx.parsed
    operands = [w.text for w in parsed.operands]
    method = ""
    for option, value in parsed.options:
        if option in params.get("method_options", ()):
            method = value.upper()
    if not method and params.get("method_operand") and operands and _METHOD.match(operands[0]):
        method, operands = operands[0], operands[1:]
    headers = [v for o, v in parsed.options if o in params.get("header_options", ())]
    headers += [o for o in operands if params.get("items") and _is_header(o)]
    override = next((m.group(1).upper() for h in headers if (m := _OVERRIDE.match(h))), None)
    if override is not None:  # `-H 'X-HTTP-Method-Override: DELETE'`: the server treats the request as that
        method = override
    data = [v for o, v in parsed.options if o in params.get("data_options", ()) or o in params.get("put_options", ())]
    if params.get("items"):
        body_items = [o for o in operands if _is_body_item(o)]
        data += body_items
        operands = [o for o in operands if o not in body_items and "==" not in o and not _is_header(o)]
    names = parsed.names
    if not method:
        if names & set(params.get("get_options", ())):
            method = "GET"
        elif any(o in names for o in params.get("put_options", ())):
            method = "PUT"
        elif data:
            method = "POST"
        elif names & set(params.get("head_options", ())):
            method = "HEAD"
        else:
            method = params.get("default_method", "GET").upper()
    urls = [o for o in operands if "://" in o or o.startswith("/") or "/" in o or "." in o]
    lexicon = ctx.policy.verbs
    shown = f"{ctx.name} {method}"
    targets = tuple(Target("network", url) for url in urls[:4])
    where = ctx.where
    said = next((said for url in urls if (said := _path_says(url, lexicon)) is not None), None)
    body = next((w for text in data for w in words(text) if w in lexicon.destructive), None)
    if method in _DESTROYING:
        _destroys(ctx, f"`{shown}` sends a {method} request to {_first(urls)}{where}", targets)
    elif said is not None and said[0] == Tier.DESTRUCTIVE:
        _destroys(ctx, f"`{shown}` calls {said[1]}, a path that says `{said[2]}`{where}", targets)
    elif body is not None:
        _destroys(ctx, f"`{shown}` sends a request body that says `{body}`{where}", targets)
    elif method not in _READING and (granted := _grants(urls, lexicon)) is not None:
        ctx.add(
            Tier.DESTRUCTIVE,
            f"`{shown}` changes {granted} on {_first(urls)}: a privilege grant{where}",
            targets,
            consequence="Gives someone access or rights on a remote service until they are taken away again.",
        )
    elif method not in _READING:
        ctx.add(Tier.WRITE, f"`{shown}` sends a {method} request that changes {_first(urls)}{where}", targets)
    elif said is not None:
        ctx.add(Tier.WRITE, f"`{shown}` calls {said[1]}, a path that says `{said[2]}`{where}", targets)
    return False


def _destroys(ctx: Context, reason: str, targets: tuple[Target, ...]) -> None:
    ctx.add(
        Tier.DESTRUCTIVE,
        reason,
        targets,
        consequence="Deletes or stops something on a remote service; nothing local can bring it back.",
    )


def _first(urls: list[str]) -> str:
    return urls[0] if urls else "a remote service"


def _path_says(url: str, lexicon: Lexicon) -> tuple[Tier, str, str] | None:
    """The strongest verb a URL's path segments or query values start with: (tier, path, word)."""
    parts = urlsplit(url if "://" in url else "http://host/" + url.lstrip("/"))
    found: tuple[Tier, str, str] | None = None
    pieces = [p for segment in parts.path.split("/") for p in (segment, segment.rpartition(":")[2]) if p]
    pieces += [value for _, value in parse_qsl(parts.query)] + [key for key, _ in parse_qsl(parts.query)]
    for piece in pieces:
        first = words(piece)[:2]
        if len(first) == 2 and first[0] in _FILLER:
            first = first[1:]
        first = first[:1]
        if not first or "." in piece:
            continue  # `delete-me.txt` names a file, it does not say delete
        word = first[0]
        if word in lexicon.destructive:
            return Tier.DESTRUCTIVE, parts.path or url, word
        if word in _ACTIONS and found is None:
            found = (Tier.WRITE, parts.path or url, word)
    return found


def _grants(urls: list[str], lexicon: Lexicon) -> str | None:
    """The privilege object a URL's path names (`/repos/o/r/collaborators/eve`, `/orgs/o/memberships/u`)."""
    for url in urls:
        path = urlsplit(url if "://" in url else "http://host/" + url.lstrip("/")).path
        for segment in path.split("/"):
            if "." in segment:
                continue
            for word in words(segment):
                if word in _NOT_GRANTS:
                    continue  # `/admin/restart` is an admin page, not a change of who is admin
                if word in lexicon.privileges or word.rstrip("s") in lexicon.privileges:
                    return segment
    return None


def _is_body_item(text: str) -> bool:
    """httpie `key=value`, `key:=json`, `key@file`, `key=@file` (not `key==query`, not `Header:value`)."""
    if "==" in text or "://" in text:
        return False
    return bool(re.match(r"^[^=:@/]+(?::=|=|@)", text))


def _is_header(text: str) -> bool:
    return bool(re.match(r"^[A-Za-z0-9-]+:(?!=|//)", text))
