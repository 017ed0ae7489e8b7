"""The adversarial development set of issue 12 (tests/unit/data/adversarial.tsv, a copy of the attacker's
/work/adversarial/dev.tsv): commands written to get past the classifier, labelled as a careful sysadmin
would gate them. Same rules as the corpus and the red-team set: never READ when the label is higher,
DESTRUCTIVE predicted WRITE only as a listed exception with its reason, and every over-prompt listed with
its reason. (A held-back set of the same families measures generalisation; it is not in this repository.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.classify import classify
from console.core.tiers import Tier
from tests.support.labelled import check_line, load_labelled

ADVERSARIAL = Path(__file__).parent / "data" / "adversarial.tsv"

# DESTRUCTIVE lines the classifier may call WRITE, each with the reason. (Empty: none is.)
ACCEPTED_WRITE_FOR_DESTRUCTIVE: dict[str, str] = {}

# Lines predicted above their label, each with the reason it is accepted.
_REMOVAL = (
    "round 3: package removal is DESTRUCTIVE in every manager; what depends on the package stops working and "
    "no capture restores it"
)
ACCEPTED_OVER_PROMPTS: dict[str, str] = {
    "apk del nginx": _REMOVAL,
    "dnf history undo 42 -y": _REMOVAL,
    "zypper --non-interactive rm apache2": _REMOVAL,
    # READ lines that are WRITE: an option or a verb hitl cannot show to be read-only.
    "az vm list -d -o table": "`-d` is a one-letter option of one sub-command; hitl lists no such letters as "
    "read-only across the cloud tools, where `-d` also means delete or debug",
    "circleci config process .circleci/config.yml": "`process` is no verb of the lexicon; as a word it could "
    "as well process jobs",
    "echo 'show stat' | socat stdio /run/haproxy/admin.sock | cut -d, -f1,2,18": "socat passes its input to a "
    "socket whose protocol hitl does not read; the same line with `disable server` changes HAProxy",
    "lxc list --format csv -c ns4": "`-c` selects columns here, but it is a one-letter option hitl cannot show "
    "to be read-only for every lxc sub-command",
    # WRITE lines that are DESTRUCTIVE: the rule errs to the safe side.
    "hdparm -W 0 /dev/sda": "hdparm changes drive firmware settings; only the listed read options are READ, and "
    "hitl does not separate the harmless settings from the ones that lose data (-N, --security-erase)",
    "op item create --category login --title 'Grafana' --vault Ops username=admin": "a value `admin` on a "
    "created item is read as a privilege grant (the same words grant admin rights elsewhere)",
    "glab mr merge 42 --squash --remove-source-branch": "an option that says remove deletes the source branch; "
    "its commits are in the target, but hitl does not follow where they went",
    "systemctl stop nginx": "stopping a unit is DESTRUCTIVE in the shipped rules (`systemctl stop sshd` locks "
    "out remote admins); hitl does not tell one unit from another",
    "apt-get dist-upgrade -y": "dist-upgrade may remove packages to resolve dependencies",
    "mongosh shop --eval 'db.orders.findOneAndDelete({_id: ObjectId(\"665f1c2e9b1e8a3d4c5b6a79\")})'": "a "
    "deleted document cannot be captured first; hitl does not count how many a filter matches",
}

CASES = load_labelled(ADVERSARIAL)


def test_adversarial_set_is_complete() -> None:
    """All three tiers, no duplicate line."""
    commands = [command for _, command, _ in CASES]
    assert len(commands) >= 1300
    assert len(set(commands)) == len(commands)
    assert {label for label, _, _ in CASES} == {Tier.READ, Tier.WRITE, Tier.DESTRUCTIVE}


@pytest.mark.parametrize(("label", "command", "why"), CASES, ids=[repr(c[1])[:60] for c in CASES])
def test_adversarial_line(label: Tier, command: str, why: str) -> None:
    check_line(label, command, why, ACCEPTED_WRITE_FOR_DESTRUCTIVE)


def test_adversarial_over_prompts_are_listed() -> None:
    """Over-prompting is the safe side but costs attention: every case is listed with its reason, no entry
    is stale, and the list stays under 2 % of the set."""
    labels = {command: label for label, command, _ in CASES}
    over = {c for c, label in labels.items() if classify(c).tier > label}
    assert over == set(ACCEPTED_OVER_PROMPTS), (over - set(ACCEPTED_OVER_PROMPTS), set(ACCEPTED_OVER_PROMPTS) - over)
    assert len(ACCEPTED_OVER_PROMPTS) <= len(CASES) // 50
