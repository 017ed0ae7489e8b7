"""The detector library layer: detect-secrets' regex plugins (Yelp, Apache-2.0), for breadth.

Every `RegexBasedDetector` plugin that ships with detect-secrets is used, except:
- `IPPublicDetector`: an address is not a secret, and hiding every public IP would wreck ordinary output;
- `PrivateKeyDetector`: it reports the `BEGIN ... PRIVATE KEY` line, not the key; hitl's block rule removes the
  whole block;
- `CloudantDetector`, `IbmCloudIamDetector`, `IbmCosHmacDetector`, `SoftlayerDetector`: keyword assignments
  (`cloudant_password = ...`) that hitl's own assignment rule already covers, and whose patterns scan a 1.5 MB
  output five times slower than all the other plugins together (bench/redact.py);
- `ArtifactoryDetector`: a bare `AP` + 9 characters between spaces also matches ordinary upper-case words.
The keyword and entropy plugins are not regex plugins and are not used: entropy flags checksums and hashes.

Importing detect-secrets costs about 0.2 s (it pulls in `requests` and `yaml`), so it happens on first use;
`preload()` lets a caller pay it in the background.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterable
from functools import cache
from typing import cast

from console.core.redaction.rule import MARKER_PREFIX, marker

EXCLUDED = frozenset(
    {
        "IPPublicDetector",
        "PrivateKeyDetector",
        "CloudantDetector",
        "IbmCloudIamDetector",
        "IbmCosHmacDetector",
        "SoftlayerDetector",
        "ArtifactoryDetector",
    }
)
# A found value shorter than this is not replaced everywhere in the text (it could be an ordinary word).
_MIN_SECRET = 8
_DELIMITERS = " \t\r\n\"'=:"


@cache
def detectors() -> tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]:
    """(plugin class name, its patterns) for every regex plugin used, in a stable order."""
    from detect_secrets import plugins
    from detect_secrets.plugins.base import RegexBasedDetector

    found: dict[str, tuple[re.Pattern[str], ...]] = {}
    for module_info in pkgutil.iter_modules(plugins.__path__):
        module = importlib.import_module(f"{plugins.__name__}.{module_info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, RegexBasedDetector)
                and cls is not RegexBasedDetector
                and cls.__module__ == module.__name__
                and name not in EXCLUDED
            ):
                found[name] = tuple(cast(Iterable[re.Pattern[str]], cls.denylist))
    return tuple(sorted(found.items()))


def preload() -> None:
    """Import detect-secrets now (about 0.2 s), so the first redaction does not pay for it."""
    detectors()


def _found_values(pattern: re.Pattern[str], text: str) -> list[str]:
    """What the plugin reports as the secret: the first non-empty group, else the whole match (as
    detect-secrets' own `analyze_string` does)."""
    values = []
    for match in pattern.finditer(text):
        groups = [group for group in match.groups() if group]
        values.append(groups[0] if groups else match.group(0))
    return values


def redact_library(text: str) -> str:
    """`text` with every value a detect-secrets plugin finds replaced, wherever it occurs."""
    values: set[str] = set()
    for _name, patterns in detectors():
        for pattern in patterns:
            for found in _found_values(pattern, text):
                value = found.strip(_DELIMITERS)
                if len(value) >= _MIN_SECRET and MARKER_PREFIX not in value:
                    values.add(value)
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, marker("secret"))
    return text
