"""The second adversarial set (issue 12, round 2: tests/unit/data/adversarial2.tsv): 1,254 new commands
across every family of tool an operator meets, written before the round-2 fixes and measured before them
(docs/CLASSIFIER.md). The fixes were mechanisms, not lines; this file holds them to the set: no non-READ line
is READ, every DESTRUCTIVE line called WRITE is listed with the reason hitl disagrees, and over-prompting
stays rare (each case listed)."""

from __future__ import annotations

from pathlib import Path

from console.core.classify import classify
from console.core.tiers import Tier
from tests.support.labelled import corpus_path, load_labelled

DATA = Path(__file__).parent / "data"
CASES = load_labelled(DATA / "adversarial2.tsv")

# DESTRUCTIVE lines hitl calls WRITE, each with why the shipped rules keep WRITE (a disagreement about the
# tier, never a READ).
ACCEPTED_WRITE_FOR_DESTRUCTIVE: dict[str, str] = {
    "python3 -m zipfile -e /tmp/u.zip /usr/local/lib": "/usr/local/lib is not a critical path in the policy; "
    "the extracted files are captured first",
    "git bisect run /tmp/check.sh": "git bisect's operands are not read as programs; the script runs as WRITE",
    "ssh-keygen -p -f ~/.ssh/id_ed25519 -N ''": "changing a key's passphrase is WRITE in the shipped rules; "
    "hitl does not tell an empty new passphrase from another",
    "busctl call org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager PowerOff b false": (
        "D-Bus method names are not read by the verb lexicon"
    ),
    "rpm --rebuilddb": "the rpm database is rebuilt from the packages' headers; the shipped rule keeps WRITE",
    "git remote remove origin": "removing a remote only drops its configuration; its objects stay",
    "psql -c 'VACUUM FULL orders'": "VACUUM is maintenance (WRITE); FULL locks the table but loses nothing",
    "echo flush_all | nc 127.0.0.1 11211": "nc passes its input to a protocol hitl does not read",
    "exportfs -ua": "unexporting is WRITE with the other mount changes",
}

# READ lines hitl calls WRITE, each with the reason.
ACCEPTED_OVER_PROMPTS: dict[str, str] = {
    "kubectl cp web-0:/var/log/app.log /dev/stdout": "kubectl cp is a copy; hitl does not follow /dev/stdout "
    "through it",
    "az storage blob list -c logs --account-name st1": "`-c` is a one-letter option hitl does not know as "
    "read-only across the cloud tools",
    "oci compute instance list -c ocid1.compartment": "the same one-letter `-c`",
    "gcloud secrets versions access latest --secret=db": "`access` is not a read verb of the lexicon (it names "
    "privileges elsewhere)",
    "puppet agent --test --noop": "noop still runs the agent and its facts, from code hitl cannot see",
    "chef-client --why-run": "why-run still runs the client's resources in a mode hitl cannot check",
}


def test_the_set_is_new_and_large() -> None:
    """At least 600 lines, every tier, no duplicate, and no line already in the corpus, the red-team set or
    the first adversarial set."""
    commands = [command for _, command, _ in CASES]
    assert len(commands) >= 600
    assert len(set(commands)) == len(commands)
    assert {label for label, _, _ in CASES} == {Tier.READ, Tier.WRITE, Tier.DESTRUCTIVE}
    others = {
        c for path in (corpus_path(), DATA / "redteam.tsv", DATA / "adversarial.tsv") for _, c, _ in load_labelled(path)
    }
    assert not set(commands) & others


def test_no_line_above_read_is_read_and_destructive_misses_are_listed() -> None:
    verdicts = {command: classify(command) for _, command, _ in CASES}
    read = [c for label, c, _ in CASES if label > Tier.READ and verdicts[c].tier is Tier.READ]
    assert read == [], [(c, verdicts[c].reasons) for c in read]
    missed = {c for label, c, _ in CASES if label is Tier.DESTRUCTIVE and verdicts[c].tier is Tier.WRITE}
    assert missed == set(ACCEPTED_WRITE_FOR_DESTRUCTIVE), (
        missed - set(ACCEPTED_WRITE_FOR_DESTRUCTIVE),
        set(ACCEPTED_WRITE_FOR_DESTRUCTIVE) - missed,
    )
    destructive = sum(1 for label, _, _ in CASES if label is Tier.DESTRUCTIVE)
    assert len(missed) * 20 <= destructive  # at most 5 %, issue 12's figure


def test_over_prompts_are_listed_and_rare() -> None:
    over = {c for label, c, _ in CASES if label is Tier.READ and classify(c).tier > Tier.READ}
    assert over == set(ACCEPTED_OVER_PROMPTS), (over - set(ACCEPTED_OVER_PROMPTS), set(ACCEPTED_OVER_PROMPTS) - over)
    reads = sum(1 for label, _, _ in CASES if label is Tier.READ)
    assert len(over) * 50 <= reads  # at most 2 % (issue 12 asks 10 %)
