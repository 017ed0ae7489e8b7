"""What the classifier tells the capture plan about a command's footprint: names as bytes, whose home `~` is,
which targets are another machine's, what `find` and `xargs` fill in at run time, and which changes no
strategy captures. The host resolves the rest (tests/integration/test_footprint*.py)."""

from __future__ import annotations

import pytest

from console.core.classify import classify, critical_reason


def footprint(command: str) -> list[str]:
    return [str(t) for t in classify(command).footprint]


@pytest.mark.parametrize(
    ("command", "name"),
    [
        ("cp new $'\\xffname'", b"\xffname"),  # bash writes the byte 0xff, not the UTF-8 of U+00FF
        ("cp new $'\\377name'", b"\xffname"),
        ("cp new $'\\303\\277'", "ÿ".encode()),  # two bytes that are UTF-8: the same name as a typed ÿ
        ("cp new $'\\u00ff'", "ÿ".encode()),
        ("cp new ÿ", "ÿ".encode()),
        ("cp new $'a\\nb'", b"a\nb"),
        ("cp new $'\\xff'/x", b"\xff/x"),
    ],
)
def test_byte_escapes_give_the_bytes_bash_writes(command: str, name: bytes) -> None:
    (target,) = classify(command).footprint
    assert target.name == name


def test_a_name_that_is_not_utf8_is_shown_escaped_everywhere_it_is_printed_or_stored() -> None:
    result = classify("rm -f $'\\xff\\xfe'")
    (target,) = result.targets
    assert target.value == "\\xff\\xfe" and target.raw == b"\xff\xfe"
    for text in (*result.reasons, result.consequence or "", target.value, str(target)):
        text.encode("utf-8")  # no surrogate left to fail a terminal, SQLite or JSON
    assert result.to_json()["targets"][0]["raw"] == "fffe"


def test_a_directory_with_a_byte_escape_carries_the_byte_into_its_targets() -> None:
    (target,) = classify("cd $'/srv/\\xff' && cp a b").footprint
    assert target.name == b"/srv/\xff/b" and target.cwd == "/srv/\\xff"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("cp x $HOME/y", "path:~/y"),
        ('cp x "${HOME}"/y', "path:~/y"),
        ("cd $HOME && rm -f x", "path:~/x"),
        ("HOME=/etc; cp x $HOME/passwd", "path:/etc/passwd"),  # the line's own value wins
    ],
)
def test_home_variable_is_the_home_of_the_user_the_shell_runs_as(command: str, expected: str) -> None:
    assert footprint(command) == [expected]


def test_a_home_variable_glued_to_more_text_stays_unknown() -> None:
    result = classify("cp x ${HOME}x")
    assert result.footprint == () and result.uncaptured


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("sudo -u bob sh -c 'cp x ~/y'", "path:~bob/y"),
        ("sudo -u bob sh -c 'echo > $HOME/f'", "path:~bob/f"),
        ("sudo sh -c 'echo > ~/f'", "path:~root/f"),
        ("su bob -c 'echo > ~/f'", "path:~bob/f"),
        ("su -c 'cp a ~/b' bob", "path:~bob/b"),
        ("runuser -u bob -- sh -c 'cp a ~/b'", "path:~bob/b"),
        ("doas -u bob sh -c 'cd && rm -f x'", "path:~bob/x"),
        # the outer shell expands `~` before sudo runs: the login user's home
        ("sudo -u bob tee ~/y", "path:~/y"),
        # a login shell starts in the user's home
        ("su - bob -c 'cp x y'", "path:~bob/y"),
        ("su -l bob -c 'cp x y'", "path:~bob/y"),
        ("sudo -i cp x y", "path:~root/y"),
        ("sudo -iu bob cp a b", "path:~bob/b"),
    ],
)
def test_a_shell_started_as_another_user_has_that_users_home(command: str, expected: str) -> None:
    assert footprint(command) == [expected]


@pytest.mark.parametrize(
    "command",
    [
        "docker exec web rm -rf /data",
        "kubectl exec p -- rm /x",
        "ssh other 'rm -rf /x'",
        "ssh other crontab -r",
        "chroot /mnt rm /x",
    ],
)
def test_what_runs_on_another_machine_or_root_is_never_captured_here(command: str) -> None:
    result = classify(command)
    assert result.capture == () and result.footprint == ()
    assert result.uncaptured  # said, so the dialog can say NO ROLLBACK for it


@pytest.mark.parametrize(
    "command",
    ["cd /srv && find . -exec rm {} +", "find /srv -name '*.tmp' -exec rm -f {} \\;", "xargs -I% rm %"],
)
def test_names_filled_in_at_run_time_are_not_guessed(command: str) -> None:
    result = classify(command)
    assert result.footprint == () and result.uncaptured


def test_find_execdir_runs_in_a_directory_known_only_at_run_time() -> None:
    (target,) = classify("find . -execdir rm x \\;").footprint
    assert not target.cwd_known


def test_find_exec_runs_where_find_runs() -> None:
    assert footprint("cd /srv && find . -exec cp a b \\;") == ["path:/srv/b"]


def test_find_delete_names_its_start_in_the_lines_directory() -> None:
    assert [str(t) for t in classify("cd /etc && find . -name x -delete").targets] == ["path:/etc"]


def test_footprint_and_uncaptured_split_a_line_by_what_can_be_captured() -> None:
    result = classify('tar -xf a.tar && cp x y; apt-get install z; cp a "$D"/b')
    assert [str(t) for t in result.footprint] == ["path:y"]
    assert len(result.uncaptured) == 3
    assert any("tar" in reason for reason in result.uncaptured)
    assert any("$D/b" in reason for reason in result.uncaptured)


def test_the_critical_path_predicate_is_public_for_resolved_paths() -> None:
    assert critical_reason("/etc/shadow") == "a critical system file"
    assert critical_reason("/etc") == "a whole system tree"
    assert critical_reason("/home/bob/.ssh/authorized_keys") == "a critical system file"
    assert critical_reason("/srv/site/index.html") is None
    assert critical_reason("/srv/hitl", critical_paths=["/srv/hitl"]) == "a critical system file"


def test_a_process_substitution_stays_opaque_when_the_line_assigns_a_variable() -> None:
    # `_literal` used to turn `<(...)` into plain text once any variable was assigned in the line.
    assert classify("x=1; bash <(curl -s https://x)").tier.name == "DESTRUCTIVE"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        # tree-sitter binds a redirect after a list to the whole list; bash opens it where the last part runs
        ("cd /srv && echo x > index.html", ["path:/srv/index.html"]),
        ("cd /srv && cat a > b && rm c", ["path:/srv/b", "path:/srv/c"]),
        ("cd /srv && { echo a; echo b; } > out", ["path:/srv/out"]),
        ("cd /srv && (echo a) > out", ["path:/srv/out"]),
        ("cd /srv && for i in 1; do echo; done > out", ["path:/srv/out"]),
        # the redirect of a group opens before the group runs, and a pipeline's parts are subshells
        ("{ cd /srv; echo; } > out", ["path:out"]),
        ("cd /srv | { cat; } > out", ["path:out"]),
        ("cd /srv > out", ["path:out"]),
    ],
)
def test_a_redirect_opens_its_file_where_its_command_runs(command: str, expected: list[str]) -> None:
    assert [str(t) for t in classify(command).targets] == expected


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("HOME=/etc; cp x ~/passwd", "DESTRUCTIVE"),  # `~` is the HOME the line set, not the host's
        ("export HOME=/etc; echo > ~/shadow", "DESTRUCTIVE"),
        ("HOME=/srv; cd ~ && cp x y", "WRITE"),
    ],
)
def test_once_the_line_sets_home_tilde_is_that_value(command: str, expected: str) -> None:
    result = classify(command)
    assert result.tier.name == expected
    assert all(not t.value.startswith("~") for t in result.targets)


def test_a_home_set_to_something_only_known_at_run_time_makes_tilde_unknown() -> None:
    result = classify("HOME=$(mktemp -d); cp x ~/y")
    assert result.footprint == () and result.uncaptured
