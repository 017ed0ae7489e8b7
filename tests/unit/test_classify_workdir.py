"""The working directory of each command of a line (issue 12): targets carry the directory they are relative
to, joined as text where the line makes it literal, and marked unknown where it is only known at run time.
Nothing is resolved and no host is touched."""

from __future__ import annotations

import pytest

from console.core.classify import classify
from console.core.classify.model import Target
from console.core.tiers import Tier


def _targets(command: str) -> list[tuple[str, str, bool]]:
    return [(t.value, t.cwd, t.cwd_known) for t in classify(command).targets]


@pytest.mark.parametrize(
    "command",
    [
        "cd /etc && cp x passwd",
        "cd /etc; cp x passwd",
        "env -C /etc cp x passwd",
        "env --chdir=/etc cp x passwd",
        "sudo -D /etc cp x passwd",
        "pushd /etc && cp x passwd",
        "cd / && cd etc && cp x passwd",
        "cd /tmp && cd - >/dev/null; cd /etc && tee passwd < x",
        "cd /etc && echo x > passwd",
        "cd /etc && sed -i s/a/b/ passwd",
    ],
)
def test_a_literal_directory_change_makes_the_target_critical(command: str) -> None:
    result = classify(command)
    assert result.tier == Tier.DESTRUCTIVE, result.reasons
    assert any(t.value == "/etc/passwd" and t.cwd_known for t in result.targets), result.targets


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("(cd /srv && rm -rf app); rm -rf app", [("/srv/app", "/srv", True), ("app", "", True)]),
        ("pushd /srv; rm -rf app; popd; rm -rf app", [("/srv/app", "/srv", True), ("app", "", True)]),
        ("cd src && rm -rf build", [("src/build", "src", True)]),
        ("cd .. && rm -rf x", [("../x", "..", True)]),
        ("cd ~ && rm -rf .cache", [("~/.cache", "~", True)]),
        ("tar -xf a.tar -C /srv/app", [("/srv/app", "/srv/app", True)]),
        ("cp -t /srv/www index.html", [("/srv/www/index.html", "", True)]),
        ("cp --target-directory=/srv/www a.css b.css", [("/srv/www/a.css", "", True), ("/srv/www/b.css", "", True)]),
        ("cd /tmp && find . -delete", [("/tmp", "/tmp", True)]),
        ("rm -rf build", [("build", "", True)]),
    ],
)
def test_targets_carry_the_directory_they_are_relative_to(command: str, expected: list[tuple[str, str, bool]]) -> None:
    assert _targets(command) == expected


@pytest.mark.parametrize(
    "command",
    [
        'cd "$DEPLOY_DIR" && rm -rf build',
        "cd $(mktemp -d) && rm -rf build",
        "for d in a b; do cd $d; rm -rf build; done",
        "cd `cat dir.txt` && rm -rf build",
        "popd; rm -rf build",
    ],
)
def test_a_directory_known_only_at_run_time_is_marked_and_not_captured(command: str) -> None:
    result = classify(command)
    assert result.tier == Tier.DESTRUCTIVE
    build = [t for t in result.targets if t.value.endswith("build")]
    assert build and all(not t.cwd_known for t in build), result.targets
    assert "files" not in result.capture  # a guessed path must not be snapshotted


def test_target_fields_are_in_the_json_and_the_text() -> None:
    target = Target("path", "build", "", False)
    assert target.to_json() == {"kind": "path", "value": "build", "cwd": "", "cwd_known": False}
    assert "unknown working directory" in str(target)
    assert Target("path", "/etc/passwd", "/etc").to_json()["cwd_known"] is True


def test_a_function_body_runs_wherever_it_is_called() -> None:
    result = classify("f() { rm -rf build; }; cd /srv; f")
    assert all(not t.cwd_known for t in result.targets if t.value.endswith("build"))
