"""The context block for the model's system prompt: what it contains, and that it stays within budget."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.core.memory import MemoryStore
from console.core.memory.context import CHARS_PER_TOKEN

from .conftest import Clock, run_action


def _point(store: MemoryStore, key: str, host: str, expires_at: float) -> None:
    store.add_rollback_point(
        key=key,
        host=host,
        action_id=None,
        command=f"sed -i change /etc/{key}.conf",
        tier="WRITE",
        strategies=["files"],
        artifacts={},
        expires_at=expires_at,
    )


def test_context_holds_live_keys_recent_actions_and_notes_for_the_hosts(store: MemoryStore, clock: Clock) -> None:
    run_action(store, "systemctl restart nginx", host="web1", rollback_key="rb-live")
    run_action(store, "DROP TABLE users", host="db1", tier="DESTRUCTIVE", decision="rejected", reason="never")
    run_action(store, "cat /etc/hosts", host="web1", tier="READ", decision="auto", exit_status=1)
    _point(store, "rb-live", "web1", clock.now + 3600)
    _point(store, "rb-gone", "web1", clock.now - 1)
    _point(store, "rb-db", "db1", clock.now + 3600)
    store.add_note("web1 runs nginx from the distro package", host="web1")
    store.add_note("db1 is the primary", host="db1")
    store.add_note("all hosts use UTC")

    block = store.build_context(["web1"])
    assert "rb-live" in block and "expires in 1h 00m" in block
    assert "rb-gone" not in block and "rb-db" not in block
    assert "systemctl restart nginx" in block and "rollback rb-live" in block
    assert "READ auto exit 1: cat /etc/hosts" in block
    assert "DROP TABLE" not in block
    assert "web1 runs nginx" in block and "all hosts use UTC" in block
    assert "db1 is the primary" not in block
    assert block.index("rb-live (") < block.index("systemctl restart") < block.index("all hosts use UTC")

    both = store.build_context(["web1", "db1"])
    assert 'operator said "never"' in both and "rb-db" in both


def test_a_query_picks_the_relevant_notes(store: MemoryStore) -> None:
    store.add_note("certbot renews the TLS certificates weekly", host="web1")
    for index in range(40):
        store.add_note(f"unrelated observation number {index}", host="web1")
    assert "certbot" in store.build_context(["web1"], query="when do certificates renew")
    assert "certbot" not in store.build_context(["web1"]), "without a query, the newest notes"


def test_context_of_an_empty_store_is_just_a_header(store: MemoryStore) -> None:
    block = store.build_context(["web1"])
    assert block.startswith("## hitl memory (web1")
    assert block.count("\n") == 1


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MemoryStore]:
    clock = Clock()
    with MemoryStore.open(tmp_path_factory.mktemp("big") / "hitl.sqlite3", clock=clock) as store:
        for index in range(60):
            run_action(store, f"echo {'long ' * 80}{index}", host="web1" if index % 2 else "db1", output="x" * 300)
            _point(store, f"rb-{index}", "web1", clock.now + 3600)
            store.add_note(f"note {index} " + "words " * 60, host="db1")
        yield store


def test_context_never_exceeds_its_budget(big_store: MemoryStore) -> None:
    @settings(max_examples=25, deadline=None)
    @given(budget=st.integers(min_value=0, max_value=3000))
    def check(budget: int) -> None:
        assert len(big_store.build_context(["web1", "db1"], budget_tokens=budget)) <= budget * CHARS_PER_TOKEN

    check()
    full = big_store.build_context(["web1", "db1"], budget_tokens=1500)
    assert len(full) > 0.8 * 1500 * CHARS_PER_TOKEN, "a big store fills most of the budget"
    assert "### Notes" in full and "### Recent actions" in full and "### Live rollback points" in full
