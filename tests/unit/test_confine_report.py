"""The confinement report built from the wrapper's marker lines and the host's own metadata (no host here:
the real wrapper is exercised in tests/integration/test_confinement.py)."""

from __future__ import annotations

from console.core.transport.confine import PathChange, _entries, build_report, confined_command

SITE = ["site 1 /", "site 2 /run"]


def entry(kind: str, meta: str, path: str) -> str:
    return f"entry {kind} {meta} {path}"


def test_whiteouts_are_deletions_only_over_existing_paths() -> None:
    entries = _entries([*SITE, entry("c", "0 0 0 0 1.0", "u1/tmp/gone"), entry("c", "0 0 0 0 1.0", "u1/tmp/temp")])
    report = build_report("root", entries, {"/tmp/gone": ("f", "644 0 0 3 5.0")}, "")
    assert report.changes == (PathChange("/tmp/gone", "deleted"),)


def test_copies_made_for_opening_or_for_a_parent_are_left_out() -> None:
    entries = _entries(
        [
            *SITE,
            entry("d", "755 0 0 60 9.0", "u1/var"),
            entry("d", "755 0 0 80 9.0", "u1/var/log"),
            entry("f", "640 0 4 100 7.5", "u1/var/log/opened.log"),
            entry("f", "640 0 4 120 9.5", "u1/var/log/written.log"),
            entry("f", "600 0 4 100 7.5", "u1/var/log/chmodded.log"),
            entry("f", "644 0 0 1 9.5", "u2/lock/new.pid"),
        ]
    )
    host = {
        "/var": ("d", "755 0 0 4096 1.0"),
        "/var/log": ("d", "755 0 0 4096 1.0"),
        "/var/log/opened.log": ("f", "640 0 4 100 7.5"),
        "/var/log/written.log": ("f", "640 0 4 100 7.5"),
        "/var/log/chmodded.log": ("f", "640 0 4 100 7.5"),
    }
    report = build_report("root", entries, host, "")
    assert {(c.path, c.kind) for c in report.changes} == {
        ("/var/log/written.log", "modified"),
        ("/var/log/chmodded.log", "modified"),
        ("/run/lock/new.pid", "created"),
    }
    assert report.tried_to_change


def test_a_user_namespace_does_not_compare_owners() -> None:
    entries = _entries([*SITE, entry("d", "755 0 0 60 9.0", "u1/home/me")])
    host = {"/home/me": ("d", "755 1000 1000 4096 1.0")}
    assert build_report("userns", entries, host, "").changes == ()
    assert build_report("root", entries, host, "").changes == (PathChange("/home/me", "modified"),)


def test_refused_operations_come_from_the_commands_own_messages() -> None:
    stderr = (
        "touch: cannot touch '/etc/x': Read-only file system\n"
        "find: '/root/private': Permission denied\n"
        "hostname: you must be root to change the host name\n"
        'sysctl: permission denied on key "kernel.domainname"\n'
        "dd: failed to open '/dev/vda': Permission denied\n"
    )
    report = build_report("root", [], {}, stderr)
    assert len(report.denied) == 4 and not any("/root/private" in line for line in report.denied)
    assert report.summary()[0] == "denied: touch: cannot touch '/etc/x': Read-only file system"


def test_the_command_reaches_the_wrapper_quoted_whatever_it_contains() -> None:
    text = confined_command("root", "tok", "echo 'a' \"$HOME\" `x` $(y)\nnext", "/bin/bash")
    assert text.startswith("exec unshare --mount --propagation private -- /bin/sh -c ")
    assert text.endswith(' "$PWD" 0 0 "" ""')
    assert "outer" in confined_command("sudo", "tok", "true")
