"""The footprint: what a command will really touch, resolved on the host before the operator decides, captured,
and put back byte for byte — on the local host and on a real sshd host. Each test is an attack or a careful
sysadmin's check from issue 14, or another member of its family."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.core.approval import ApprovalRequest, Decision
from console.core.outcome import Outcome, Status
from console.core.tiers import Tier
from tests.support.session import RuntimeFactory, ScriptedApprover, approve, tree_state

OTHER_USER = "hitl-plain"


@pytest.fixture(params=["local", "ssh"])
def host(request: pytest.FixtureRequest, hitl_home: Path) -> str:
    """Every test runs once on the built-in local host and once over SSH against the real sshd fixture."""
    if request.param == "local":
        return "local"
    sshd = request.getfixturevalue("sshd")
    (hitl_home / "hosts.toml").write_text(sshd.host_entry("box"))
    return "box"


@pytest.fixture
def other_home(tmp_path: Path) -> Iterator[Path]:
    """A scratch directory in another user's home (that user's `~` and `~user`), removed afterwards."""
    home = Path(os.path.expanduser(f"~{OTHER_USER}"))
    scratch = home / f"hitl-test-{tmp_path.name}"
    scratch.mkdir()
    subprocess.run(["chown", f"{OTHER_USER}:{OTHER_USER}", str(scratch)], check=True)
    try:
        yield scratch
    finally:
        subprocess.run(["rm", "-rf", "--", str(scratch)], check=True)


def restored(outcome: Outcome) -> str:
    """The rollback's own words on success."""
    assert outcome.status is Status.DONE, outcome.reason
    assert outcome.result is not None
    return outcome.result.stdout


def only_request(approver: ScriptedApprover) -> ApprovalRequest:
    (request,) = approver.requests
    return request


# --- the effective working directory ---------------------------------------------------------------------------


async def test_cd_then_glob_delete_is_captured_where_it_runs(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    site = tmp_path / "srv" / "site"
    (site / "css").mkdir(parents=True)
    (site / "index.html").write_text("<h1>home</h1>\n")
    (site / "css" / "a.css").write_text("body{}\n")
    before = tree_state(site)
    approver = ScriptedApprover(approve, approve)
    rt = make_runtime(approver)
    outcome = await rt.session.run_command(host, f"cd {site} && rm -rf *")
    assert outcome.classification.tier is Tier.DESTRUCTIVE and outcome.ok
    lines = approver.requests[0].steps[0].capture_lines
    assert any(str(site / "index.html") in line for line in lines), lines
    assert list(site.iterdir()) == []
    undo = await rt.session.rollback([outcome.rollback_key or ""])
    assert "restored and verified" in restored(undo)
    assert tree_state(site) == before


@pytest.mark.parametrize(
    "spelling",
    [
        "cd {d} && cp {new} victim",
        "pushd {d} >/dev/null; cp {new} victim; popd >/dev/null",
        "(cd {d} && cp {new} victim)",
        "env -C {d} cp {new} victim",
        "cp -t {d} {src}",
        "cp --target-directory={d} {src}",
        "cd {d}/sub/.. && cp {new} victim",
        "cd {d}/sub && cd .. && cp {new} victim",
    ],
)
async def test_a_copy_in_another_directory_captures_the_file_it_overwrites(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory, spelling: str
) -> None:
    directory = tmp_path / "d"
    (directory / "sub").mkdir(parents=True)
    victim = directory / "victim"
    victim.write_text("precious\n")
    new = tmp_path / "new"
    new.write_text("replacement\n")
    source = tmp_path / "src" / "victim"
    source.parent.mkdir()
    source.write_text("replacement\n")
    rt = make_runtime(ScriptedApprover(approve, approve))
    command = spelling.format(d=directory, new=new, src=source)
    outcome = await rt.session.run_command(host, command)
    assert outcome.ok, outcome.reason
    assert victim.read_text() == "replacement\n"
    undo = await rt.session.rollback([outcome.rollback_key or ""])
    assert "restored and verified" in restored(undo)
    assert victim.read_text() == "precious\n"


async def test_git_and_tar_in_another_directory_say_no_rollback_before_the_decision(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    archive = tmp_path / "a.tar"
    subprocess.run(["tar", "-cf", str(archive), "-C", str(tmp_path), "repo"], check=True)
    (repo / "kept").write_text("x\n")
    approver = ScriptedApprover(Decision.reject("no"), Decision.reject("no"))
    rt = make_runtime(approver)
    await rt.session.run_command(host, f"tar -C {repo} -xf {archive}; cp {archive} {repo}/copy.tar")
    await rt.session.run_command(host, f"git -C {repo} clean -fdx")
    tar_review, git_review = (request.steps[0] for request in approver.requests)
    assert tar_review.no_rollback and "tar" in tar_review.no_rollback
    assert any(f"{repo}/copy.tar" in line for line in tar_review.capture_lines)  # the part that can be captured
    assert git_review.no_rollback and "git" in git_review.no_rollback
    assert not any(str(Path.cwd()) in line for line in (*tar_review.capture_lines, *git_review.capture_lines))


async def test_an_unknown_working_directory_is_no_rollback_and_never_a_guess(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    approver = ScriptedApprover(Decision.reject("no"))
    rt = make_runtime(approver)
    await rt.session.run_command(host, f'D=$(ls -d {tmp_path}); cd "$D" && rm -rf *')
    review = only_request(approver).steps[0]
    assert review.no_rollback and "working directory" in review.no_rollback
    assert review.capture_lines == ()  # nothing of the session's directory, nothing guessed


# --- physically, as the kernel resolves -------------------------------------------------------------------------


async def test_dotdot_through_a_symlink_captures_the_file_the_kernel_writes(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "lnk").symlink_to(tmp_path / "real" / "sub")
    victim = tmp_path / "real" / "victim"
    victim.write_text("precious\n")
    (tmp_path / "new").write_text("replacement\n")
    approver = ScriptedApprover(approve, approve)
    rt = make_runtime(approver)
    outcome = await rt.session.run_command(host, f"cp {tmp_path}/new {tmp_path}/d/lnk/../victim")
    assert victim.read_text() == "replacement\n"
    assert any(str(victim) in line for line in approver.requests[0].steps[0].capture_lines)
    undo = await rt.session.rollback([outcome.rollback_key or ""])
    assert "restored and verified" in restored(undo)
    assert victim.read_text() == "precious\n"
    assert not (tmp_path / "d" / "victim").exists()


@pytest.mark.parametrize(
    "spelling",
    [
        "cd {d}/etc && cp {new} passwd",  # a symlink to /etc
        "cp {new} {d}/ssh/../passwd",  # `..` through a symlink to /etc/ssh
        "cd {d} && cp {new} shadow-link",  # a symlink to /etc/shadow, written through
    ],
)
async def test_a_write_that_lands_on_a_critical_path_is_destructive_however_it_is_spelled(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory, spelling: str
) -> None:
    directory = tmp_path / "d"
    directory.mkdir()
    (directory / "etc").symlink_to("/etc")
    (directory / "ssh").symlink_to("/etc/ssh")
    (directory / "shadow-link").symlink_to("/etc/shadow")
    (tmp_path / "new").write_text("x\n")
    approver = ScriptedApprover(Decision.reject("not on my watch"))
    rt = make_runtime(approver)
    outcome = await rt.session.run_command(host, spelling.format(d=directory, new=tmp_path / "new"))
    request = only_request(approver)
    assert request.tier is Tier.DESTRUCTIVE
    assert request.challenges  # the typed confirmation, not one key
    assert any("critical" in reason for reason in request.steps[0].classification.reasons)
    assert outcome.status is Status.REJECTED


async def test_a_symlink_loop_is_no_rollback_in_plain_words(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "ping").symlink_to(tmp_path / "pong")
    (tmp_path / "pong").symlink_to(tmp_path / "ping")
    approver = ScriptedApprover(Decision.reject("no"))
    rt = make_runtime(approver)
    await rt.session.run_command(host, f"cp /etc/hostname {tmp_path}/loop/x; cp /etc/hostname {tmp_path}/ping/y")
    review = only_request(approver).steps[0]
    assert review.no_rollback and "symbolic links" in review.no_rollback
    assert str(tmp_path / "loop" / "x") in review.no_rollback
    assert str(tmp_path / "ping" / "y") in review.no_rollback


# --- names are bytes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "name"),
    [
        ("$'\\xffname'", b"\xffname"),
        ("$'\\303\\277'", "ÿ".encode()),
        ("$'new\\nline'", b"new\nline"),
        ("$'trailing\\n'", b"trailing\n"),
        ("$'\\xfe\\\\back'", b"\xfe\\back"),
        ("'-dash'", b"-dash"),
    ],
)
async def test_names_are_bytes_from_the_command_to_the_restore(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory, word: str, name: bytes
) -> None:
    directory = tmp_path / "d"
    directory.mkdir()
    target = os.path.join(os.fsencode(directory), name)
    with open(target, "wb") as handle:
        handle.write(b"precious\n")
    os.chmod(target, 0o640)
    (tmp_path / "new").write_text("replacement\n")
    rt = make_runtime(ScriptedApprover(approve, approve))
    outcome = await rt.session.run_command(host, f"cd {directory} && cp -- {tmp_path}/new {word}")
    assert outcome.ok, outcome.reason
    with open(target, "rb") as handle:
        assert handle.read() == b"replacement\n"
    undo = await rt.session.rollback([outcome.rollback_key or ""])
    assert "restored and verified" in restored(undo)
    with open(target, "rb") as handle:
        assert handle.read() == b"precious\n"
    assert os.stat(target).st_mode & 0o777 == 0o640
    assert os.listdir(os.fsencode(directory)) == [name]


async def test_a_created_name_that_is_not_utf8_is_removed_by_the_rollback(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    directory = tmp_path / "d"
    directory.mkdir()
    rt = make_runtime(ScriptedApprover(approve, approve))
    outcome = await rt.session.run_command(host, f"cd {directory} && echo x > $'\\xff\\xfe'")
    assert os.listdir(os.fsencode(directory)) == [b"\xff\xfe"]
    restored(await rt.session.rollback([outcome.rollback_key or ""]))
    assert os.listdir(os.fsencode(directory)) == []


# --- whose home -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "cp {new} ~{user}/{rel}",
        "cd ~{user} && cp {new} {rel}",
        "sudo -u {user} sh -c 'cp {new} ~/{rel}'",
        "sudo -u {user} sh -c 'cat {new} > $HOME/{rel}'",
        "su {user} -c 'cp {new} ~/{rel}'",
    ],
)
async def test_home_is_expanded_on_the_host_for_the_user_the_command_runs_as(
    host: str, tmp_path: Path, other_home: Path, make_runtime: RuntimeFactory, spelling: str
) -> None:
    victim = other_home / "victim"
    victim.write_text("precious\n")
    new = other_home / "new"  # readable by the other user, for the spellings that run as them
    new.write_text("replacement\n")
    subprocess.run(["chown", f"{OTHER_USER}:{OTHER_USER}", str(victim), str(new)], check=True)
    approver = ScriptedApprover(approve, approve)
    rt = make_runtime(approver)
    rel = f"{other_home.name}/victim"
    outcome = await rt.session.run_command(host, spelling.format(new=new, user=OTHER_USER, rel=rel))
    assert outcome.ok, outcome.reason
    assert any(str(victim) in line for line in approver.requests[0].steps[0].capture_lines)
    assert victim.read_text() == "replacement\n"
    undo = await rt.session.rollback([outcome.rollback_key or ""])
    assert "restored and verified" in restored(undo)
    assert victim.read_text() == "precious\n"


# --- globs ------------------------------------------------------------------------------------------------------


async def test_a_glob_that_gains_and_loses_a_match_while_the_dialog_is_open_is_drift(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.log").write_text("a\n")
    (logs / "b.log").write_text("b\n")

    def meanwhile(request: ApprovalRequest) -> Decision:
        (logs / "c.log").write_text("created while the dialog was open\n")
        (logs / "a.log").unlink()
        return approve(request)

    approver = ScriptedApprover(meanwhile, Decision.reject("let me look"))
    rt = make_runtime(approver)
    outcome = await rt.session.run_command(host, f"rm -f {logs}/*.log")
    assert len(approver.requests) == 2  # asked again, with what changed
    warnings = " ".join(approver.requests[1].warnings)
    assert str(logs / "c.log") in warnings and str(logs / "a.log") in warnings
    assert (logs / "c.log").exists() and (logs / "b.log").exists()  # nothing ran
    assert outcome.status is Status.REJECTED


# --- hard links -------------------------------------------------------------------------------------------------


async def test_a_hard_link_trio_gets_the_old_content_back_under_every_name(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    a, b, c = (tmp_path / name for name in ("a", "b", "c"))
    a.write_text("old\n")
    os.link(a, b)
    os.link(a, c)
    (tmp_path / "new").write_text("new\n")
    approver = ScriptedApprover(approve, approve)
    rt = make_runtime(approver)
    outcome = await rt.session.run_command(host, f"cp {tmp_path}/new {a}")
    assert b.read_text() == "new\n" and c.read_text() == "new\n"
    assert any("3 hard links" in line for line in approver.requests[0].steps[0].capture_lines)
    undo = await rt.session.rollback([outcome.rollback_key or ""])
    assert "restored and verified" in restored(undo)
    assert [p.read_text() for p in (a, b, c)] == ["old\n"] * 3
    assert a.stat().st_ino == b.stat().st_ino == c.stat().st_ino and a.stat().st_nlink == 3


async def test_a_hard_link_the_command_replaces_is_named_before_and_after(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("one\n")
    os.link(a, b)
    approver = ScriptedApprover(approve, approve)
    rt = make_runtime(approver)
    outcome = await rt.session.run_command(host, f"sed -i s/one/two/ {a}")  # sed -i replaces the name
    lines = " ".join(approver.requests[0].steps[0].capture_lines)
    assert "2 hard links" in lines and "cannot" in lines  # said before the decision
    undo = await rt.session.rollback([outcome.rollback_key or ""])
    assert undo.status is Status.FAILED
    assert (undo.reason or "").startswith("rollback incomplete:") and str(a) in (undo.reason or "")
    assert a.read_text() == "one\n" and b.read_text() == "one\n"


# --- restores that must not be redirected, and never claim what they did not do ---------------------------------


async def test_a_parent_swapped_for_a_symlink_does_not_redirect_the_restore(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    conf = tmp_path / "app" / "conf"
    conf.mkdir(parents=True)
    (conf / "app.ini").write_text("old\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    rt = make_runtime(ScriptedApprover(approve, approve))
    outcome = await rt.session.run_command(host, f"echo new > {conf}/app.ini")
    (conf / "app.ini").unlink()
    conf.rmdir()
    conf.symlink_to(elsewhere)  # the parent is now a symlink into another tree
    undo = await rt.session.rollback([outcome.rollback_key or ""])
    assert undo.status is Status.FAILED
    assert (undo.reason or "").startswith("rollback incomplete:")
    assert str(conf / "app.ini") in (undo.reason or "")
    assert list(elsewhere.iterdir()) == []  # nothing was written through the link
    assert "restored and verified" not in (undo.result.stdout if undo.result else "")


async def test_a_target_replaced_by_a_symlink_is_restored_without_following_it(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    target = tmp_path / "app.ini"
    target.write_text("old\n")
    outside = tmp_path / "outside"
    outside.write_text("not yours\n")
    rt = make_runtime(ScriptedApprover(approve, approve))
    outcome = await rt.session.run_command(host, f"echo new > {target}")
    target.unlink()
    target.symlink_to(outside)
    undo = await rt.session.rollback([outcome.rollback_key or ""])
    assert "restored and verified" in restored(undo)
    assert not target.is_symlink() and target.read_text() == "old\n"
    assert outside.read_text() == "not yours\n"


async def test_the_post_state_is_recorded_for_every_captured_target(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    directory = tmp_path / "d"
    directory.mkdir()
    (directory / "a").write_text("a\n")
    rt = make_runtime(ScriptedApprover(approve))
    outcome = await rt.session.run_command(host, f"cd {directory} && echo b > b && rm a")
    point = rt.memory.rollback_point(outcome.rollback_key or "")
    assert point is not None
    after = point.artifacts["after"]
    assert set(after) == {str(directory / "a"), str(directory / "b")}
    assert after[str(directory / "a")]["exists"] is False and after[str(directory / "b")]["exists"] is True


async def test_dotdot_after_a_directory_that_does_not_exist_yet_is_no_rollback_not_a_guess(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    # Found by the property test: `missing/../kept` was read as `kept`, captured as "absent" (its directory
    # did not exist), and the rollback then deleted the real `kept`.
    kept = tmp_path / "kept"
    kept.write_text("precious\n")
    approver = ScriptedApprover(approve, approve)
    rt = make_runtime(approver)
    outcome = await rt.session.run_command(host, f"cd {tmp_path} && echo new > missing/../kept; echo x > other")
    review = approver.requests[0].steps[0]
    assert review.no_rollback and "missing" in review.no_rollback and "does not exist yet" in review.no_rollback
    assert not any(str(kept) in line for line in review.capture_lines)
    restored(await rt.session.rollback([outcome.rollback_key or ""]))
    assert kept.read_text() == "precious\n"


async def test_a_write_through_a_symlink_to_a_directory_is_captured_inside_it(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    releases = tmp_path / "releases" / "v3"
    releases.mkdir(parents=True)
    (releases / "app.ini").write_text("v3\n")
    current = tmp_path / "current"
    current.symlink_to(releases)
    (tmp_path / "new.ini").write_text("new\n")
    before = tree_state(releases)
    rt = make_runtime(ScriptedApprover(approve, approve))
    outcome = await rt.session.run_command(host, f"cp {tmp_path}/new.ini {current}; rm -f {current}/app.ini")
    assert sorted(p.name for p in releases.iterdir()) == ["new.ini"]
    undo = await rt.session.rollback([outcome.rollback_key or ""])
    assert "restored and verified" in restored(undo)
    assert tree_state(releases) == before and current.is_symlink()


async def test_a_symlink_to_a_whole_system_tree_is_no_rollback_not_a_capture_of_it(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    (tmp_path / "root").symlink_to("/")
    approver = ScriptedApprover(Decision.reject("no"))
    rt = make_runtime(approver)
    await rt.session.run_command(host, f"cp /etc/hostname {tmp_path}/root")
    request = only_request(approver)
    assert request.tier is Tier.DESTRUCTIVE
    assert "symbolic link to /" in (request.steps[0].no_rollback or "")


async def test_a_chmod_while_the_dialog_is_open_is_drift(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    target = tmp_path / "app.ini"
    target.write_text("a\n")
    target.chmod(0o600)

    def meanwhile(request: ApprovalRequest) -> Decision:
        target.chmod(0o644)
        return approve(request)

    approver = ScriptedApprover(meanwhile, Decision.reject("no"))
    rt = make_runtime(approver)
    await rt.session.run_command(host, f"sed -i s/a/b/ {target}")
    assert len(approver.requests) == 2 and "mode" in " ".join(approver.requests[1].warnings)
    assert target.read_text() == "a\n"
