"""SqliteProfileStore: round trips, forget, validation, migrations, concurrency, and a SIGKILL.

Every test uses its own database under ``tmp_path``.  The durability test runs a real child
process, kills it with SIGKILL after it has acknowledged some writes, and checks that every
acknowledged write is in the database.
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from bot.store import (
    MAX_SESSION_BYTES,
    MIGRATIONS,
    SCHEMA_VERSION,
    SqliteProfileStore,
    StoreError,
    migrate,
    validate_stars,
)
from recommender.errors import DataError
from tools.profiles import Profile

REPO_ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    """A clock the test moves by hand, so timestamps are known."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "profiles.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SqliteProfileStore]:
    with SqliteProfileStore(db_path) as opened:
        yield opened


def rows_for(path: Path, user_key: str) -> dict[str, int]:
    """Row count per table that has a user_key column, read with a separate connection."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        counts = {}
        for table in tables:
            columns = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
            if "user_key" in columns:
                counts[table] = connection.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE user_key = ?", (user_key,)
                ).fetchone()[0]
        return counts
    finally:
        connection.close()


# ---- ProfileStore round trips --------------------------------------------------------------


def test_unknown_user_is_empty_and_not_written(store: SqliteProfileStore, db_path: Path) -> None:
    profile = store.get("telegram:1")
    assert profile == Profile(user_key="telegram:1")
    assert not profile.is_known
    assert store.feedback_of("telegram:1") == {}
    assert store.shown("telegram:1") == set()
    assert store.marked("telegram:1") == set()
    assert store.load_session("telegram:1") is None
    assert set(rows_for(db_path, "telegram:1").values()) == {0}


def test_rate_and_link_round_trip(store: SqliteProfileStore) -> None:
    after_rate = store.rate("telegram:1", 50, 4.5)
    assert after_rate.ratings == {50: 4.5}
    store.rate("telegram:1", 181, 2)
    linked = store.link("telegram:1", 196)
    assert linked == Profile(user_key="telegram:1", ratings={50: 4.5, 181: 2.0}, dataset_user=196)
    assert store.get("telegram:1") == linked
    assert all(type(stars) is float for stars in store.get("telegram:1").ratings.values())
    unlinked = store.link("telegram:1", None)
    assert unlinked.dataset_user is None
    assert unlinked.ratings == {50: 4.5, 181: 2.0}


def test_link_without_ratings_makes_profile_known(store: SqliteProfileStore) -> None:
    assert store.link("web:7", 1).is_known
    assert store.get("web:7").dataset_user == 1


def test_rerating_replaces_and_updates_its_time(db_path: Path) -> None:
    clock = FakeClock()
    with SqliteProfileStore(db_path, clock=clock) as store:
        store.rate("u", 1, 1.0)
        clock.now += 10
        store.rate("u", 2, 3.0)
        clock.now += 100
        profile = store.rate("u", 1, 5.0)
        assert profile.ratings == {1: 5.0, 2: 3.0}
        rated = store.rated("u")
    # oldest first: movie 2 (t0 + 10), then the re-rated movie 1 (t0 + 110)
    assert [(r.movie_id, r.stars) for r in rated] == [(2, 3.0), (1, 5.0)]
    assert [r.rated_at.timestamp() for r in rated] == [1_700_000_010.0, 1_700_000_110.0]
    assert rows_for(db_path, "u")["ratings"] == 2


@pytest.mark.parametrize(
    "stars", [0, 0.0, 0.25, -1, 5.5, 6, 3.7, math.nan, math.inf, True, "4", None]
)
def test_invalid_stars_are_rejected_and_nothing_is_stored(
    store: SqliteProfileStore, db_path: Path, stars: object
) -> None:
    with pytest.raises(ValueError, match="stars"):
        store.rate("u", 1, stars)  # type: ignore[arg-type]
    assert store.get("u").ratings == {}
    assert rows_for(db_path, "u")["users"] == 0


@pytest.mark.parametrize(
    "stars", [0.5, 1, 2.5, 5, 5.0, np.float64(3.5), np.float32(4.5), np.int64(2)]
)
def test_valid_stars_on_the_half_star_scale(stars: float) -> None:
    assert validate_stars(stars) == float(stars)


def test_bad_keys_and_ids_are_rejected(store: SqliteProfileStore) -> None:
    with pytest.raises(ValueError, match="user_key"):
        store.rate("", 1, 3)
    with pytest.raises(ValueError, match="user_key"):
        store.get(42)  # type: ignore[arg-type]
    for movie in (True, 1.5, "12", None):
        with pytest.raises(ValueError, match="movie id"):
            store.rate("u", movie, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="movie id"):
        store.mark_shown("u", [1, 2.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="dataset user"):
        store.link("u", "196")  # type: ignore[arg-type]
    assert store.shown("u") == set()  # the valid id 1 was not stored either
    assert store.rate("u", np.int64(7), 4).ratings == {7: 4.0}  # type: ignore[arg-type]


# ---- feedback, shown, session --------------------------------------------------------------


def test_feedback_latest_wins(store: SqliteProfileStore) -> None:
    store.feedback("u", 10, True)
    store.feedback("u", 11, False)
    store.feedback("u", 10, False)
    store.feedback("u", 11, True)
    store.feedback("u", 12, True)
    assert store.feedback_of("u") == {10: False, 11: True, 12: True}
    with pytest.raises(ValueError, match="liked"):
        store.feedback("u", 13, 1)  # type: ignore[arg-type]
    assert 13 not in store.feedback_of("u")


def test_shown_marks_dedupes_and_clears(store: SqliteProfileStore, db_path: Path) -> None:
    store.mark_shown("u", [3, 1, 2])
    store.mark_shown("u", (2, 4))
    store.mark_shown("u", [])
    assert store.shown("u") == {1, 2, 3, 4}
    assert rows_for(db_path, "u")["shown"] == 4
    store.clear_shown("u")
    assert store.shown("u") == set()
    store.mark_shown("u", [9])
    assert store.shown("u") == {9}


def test_session_round_trip_replace_and_clear(store: SqliteProfileStore) -> None:
    state = {
        "last_query": {"intent": "recommend_genre", "genre": "Horror", "k": 5},
        "cursor": 10,
        "pending": ["Heat (1995)", "Heat (1986)"],
        "note": "Amélie — ünïcode",
        "ok": True,
        "nothing": None,
    }
    store.save_session("u", state)
    assert store.load_session("u") == state
    store.save_session("u", {"cursor": 15})
    assert store.load_session("u") == {"cursor": 15}
    store.clear_session("u")
    assert store.load_session("u") is None
    # JSON semantics, documented: tuples come back as lists
    store.save_session("u", {"pair": (1, 2)})
    assert store.load_session("u") == {"pair": [1, 2]}


def test_bad_sessions_are_rejected_and_the_old_one_kept(store: SqliteProfileStore) -> None:
    store.save_session("u", {"cursor": 5})
    with pytest.raises(TypeError):
        store.save_session("u", ["not", "a", "dict"])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.save_session("u", {"what": object()})
    with pytest.raises(ValueError):
        store.save_session("u", {"score": math.nan})
    with pytest.raises(ValueError, match="bytes"):
        store.save_session("u", {"blob": "x" * MAX_SESSION_BYTES})
    assert store.load_session("u") == {"cursor": 5}


# ---- forget --------------------------------------------------------------------------------


def fill(store: SqliteProfileStore, user_key: str, base: int) -> None:
    store.rate(user_key, base + 1, 4)
    store.rate(user_key, base + 2, 1.5)
    store.link(user_key, base)
    store.feedback(user_key, base + 3, True)
    store.mark_shown(user_key, [base + 3, base + 4])
    store.mark(user_key, "watchlist", [base + 5])
    store.save_session(user_key, {"cursor": base})


def test_forget_removes_everything_and_spares_others(
    store: SqliteProfileStore, db_path: Path
) -> None:
    fill(store, "telegram:1", 100)
    fill(store, "telegram:2", 200)
    before_other = store.get("telegram:2")
    counts = rows_for(db_path, "telegram:1")
    assert counts == {
        "users": 1,
        "ratings": 2,
        "feedback": 1,
        "shown": 2,
        "marks": 1,
        "sessions": 1,
    }

    store.forget("telegram:1")

    assert set(rows_for(db_path, "telegram:1").values()) == {0}
    assert store.get("telegram:1") == Profile(user_key="telegram:1")
    assert store.feedback_of("telegram:1") == {}
    assert store.shown("telegram:1") == set()
    assert store.marked("telegram:1") == set()
    assert store.load_session("telegram:1") is None
    # the other user is untouched
    assert store.get("telegram:2") == before_other
    assert rows_for(db_path, "telegram:2") == counts
    assert store.feedback_of("telegram:2") == {203: True}
    assert store.shown("telegram:2") == {203, 204}
    assert [m.movie_id for m in store.marks("telegram:2", "watchlist")] == [205]
    assert store.load_session("telegram:2") == {"cursor": 200}
    store.forget("never-seen")  # a no-op, not an error


def test_forget_is_all_or_nothing(store: SqliteProfileStore, db_path: Path) -> None:
    fill(store, "u", 0)
    # a trigger that fails the cascade half way (after the ratings went): nothing may be lost
    side = sqlite3.connect(db_path)
    side.execute(
        "CREATE TRIGGER refuse BEFORE DELETE ON sessions BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    side.commit()
    with pytest.raises(sqlite3.IntegrityError):
        store.forget("u")
    assert rows_for(db_path, "u") == {
        "users": 1,
        "ratings": 2,
        "feedback": 1,
        "shown": 2,
        "marks": 1,
        "sessions": 1,
    }
    side.execute("DROP TRIGGER refuse")
    side.commit()
    side.close()
    store.forget("u")  # and the store still works after the failed transaction
    assert set(rows_for(db_path, "u").values()) == {0}


# ---- lifetime, settings --------------------------------------------------------------------


def test_reopen_after_close_keeps_everything(db_path: Path) -> None:
    store = SqliteProfileStore(db_path)
    fill(store, "u", 10)
    store.close()
    store.close()  # idempotent
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        store.get("u")
    with SqliteProfileStore(db_path) as reopened:
        assert reopened.get("u") == Profile(
            user_key="u", ratings={11: 4.0, 12: 1.5}, dataset_user=10
        )
        assert reopened.feedback_of("u") == {13: True}
        assert reopened.shown("u") == {13, 14}
        assert reopened.load_session("u") == {"cursor": 10}
    with pytest.raises(sqlite3.ProgrammingError):
        reopened.get("u")  # the context manager closed it


def test_connection_settings(store: SqliteProfileStore, db_path: Path) -> None:
    connection = store._connection  # white-box: per-connection pragmas
    assert connection is not None
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert connection.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert connection.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert connection.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert connection.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert (db_path.parent / (db_path.name + "-wal")).exists()


def test_parent_directory_is_created(tmp_path: Path) -> None:
    with SqliteProfileStore(tmp_path / "a" / "b" / "p.db") as store:
        store.rate("u", 1, 3)
    assert (tmp_path / "a" / "b" / "p.db").is_file()


# ---- migrations ----------------------------------------------------------------------------

# The v1 schema written out by hand (not taken from MIGRATIONS), as a v1 program left it.
V1_SCHEMA = """
CREATE TABLE users (user_key TEXT PRIMARY KEY, dataset_user INTEGER, created_at REAL NOT NULL);
CREATE TABLE ratings (
    user_key TEXT NOT NULL REFERENCES users(user_key) ON DELETE CASCADE,
    movie_id INTEGER NOT NULL,
    stars REAL NOT NULL CHECK (stars BETWEEN 0.5 AND 5.0),
    rated_at REAL NOT NULL,
    PRIMARY KEY (user_key, movie_id)
) WITHOUT ROWID;
INSERT INTO users VALUES ('telegram:1', 196, 1000.0), ('telegram:2', NULL, 1001.0);
INSERT INTO ratings VALUES ('telegram:1', 50, 4.0, 1002.0), ('telegram:2', 181, 2.5, 1003.0);
PRAGMA user_version = 1;
"""


def test_v1_database_is_migrated_in_place(db_path: Path) -> None:
    old = sqlite3.connect(db_path)
    old.executescript(V1_SCHEMA)
    old.close()

    with SqliteProfileStore(db_path) as store:
        assert store.get("telegram:1") == Profile(
            user_key="telegram:1", ratings={50: 4.0}, dataset_user=196
        )
        assert store.rated("telegram:2")[0].rated_at.timestamp() == 1003.0
        # the v2 features work on the migrated file, and forget cascades into the new tables
        store.feedback("telegram:1", 50, True)
        store.mark_shown("telegram:1", [50])
        store.save_session("telegram:1", {"cursor": 5})
        store.forget("telegram:1")
        assert set(rows_for(db_path, "telegram:1").values()) == {0}
        assert store.get("telegram:2").ratings == {181: 2.5}

    check = sqlite3.connect(db_path)
    assert check.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    tables = {name for (name,) in check.execute("SELECT name FROM sqlite_master")}
    assert {"users", "ratings", "feedback", "shown", "sessions"} <= tables
    check.close()


def v2_database(path: Path) -> None:
    """A database as the v2 program left it (today's first two migrations), with data."""
    connection = sqlite3.connect(path, isolation_level=None)
    migrate(connection, MIGRATIONS[:2])
    connection.executescript(
        """
        INSERT INTO users VALUES ('telegram:1', NULL, 1000.0), ('telegram:2', 7, 1001.0);
        INSERT INTO ratings VALUES ('telegram:1', 50, 4.0, 1002.0);
        INSERT INTO feedback VALUES ('telegram:1', 51, 0, 1003.0);
        INSERT INTO shown VALUES ('telegram:1', 52, 1004.0), ('telegram:2', 53, 1005.0);
        INSERT INTO sessions VALUES ('telegram:1', '{"last": {"k": 5}}', 1006.0);
        """
    )
    connection.close()


def test_v2_database_gains_the_film_lists_and_keeps_everything(db_path: Path) -> None:
    v2_database(db_path)
    check = sqlite3.connect(db_path)
    assert check.execute("PRAGMA user_version").fetchone() == (2,)
    check.close()

    clock = FakeClock(2000.0)
    with SqliteProfileStore(db_path, clock=clock) as store:
        # the v2 data is all there
        assert store.get("telegram:1").ratings == {50: 4.0}
        assert store.get("telegram:2").dataset_user == 7
        assert store.feedback_of("telegram:1") == {51: False}
        assert store.shown("telegram:1") == {52}
        assert store.load_session("telegram:1") == {"last": {"k": 5}}
        # and the new lists work on the migrated file
        store.mark("telegram:1", "seen", [60, 61])
        clock.now = 2001.0
        store.mark("telegram:1", "watchlist", [62])
        store.mark("telegram:3", "not_interested", [63])  # a new person gets a user row
        assert [m.movie_id for m in store.marks("telegram:1", "seen")] == [60, 61]
        assert store.marks("telegram:1", "watchlist")[0].marked_at.timestamp() == 2001.0
        assert store.marked("telegram:1") == {60, 61, 62}
        assert store.marked("telegram:3") == {63}
        store.forget("telegram:1")
        assert set(rows_for(db_path, "telegram:1").values()) == {0}
        assert store.shown("telegram:2") == {53}

    check = sqlite3.connect(db_path)
    assert check.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    check.close()


def test_film_lists_add_list_remove(db_path: Path) -> None:
    clock = FakeClock(100.0)
    with SqliteProfileStore(db_path, clock=clock) as store:
        store.mark("u", "seen", [3, 1])
        clock.now = 101.0
        store.mark("u", "seen", [2, 3])  # again: the time is renewed, no second row
        assert [(m.movie_id, m.marked_at.timestamp()) for m in store.marks("u", "seen")] == [
            (1, 100.0),
            (2, 101.0),
            (3, 101.0),
        ]
        assert store.unmark("u", "seen", 2) is True
        assert store.unmark("u", "seen", 2) is False
        assert [m.movie_id for m in store.marks("u", "seen")] == [1, 3]
        assert store.marks("u", "watchlist") == [] and store.marks("nobody", "seen") == []
        store.mark("u", "seen", [])  # nothing to do, nothing written


def test_watchlist_and_not_interested_exclude_each_other(store: SqliteProfileStore) -> None:
    store.mark("u", "watchlist", [1, 2])
    store.mark("u", "seen", [1])
    store.mark("u", "not_interested", [1])  # the latest word counts
    assert [m.movie_id for m in store.marks("u", "watchlist")] == [2]
    assert [m.movie_id for m in store.marks("u", "not_interested")] == [1]
    assert [m.movie_id for m in store.marks("u", "seen")] == [1]  # seen stays true
    store.mark("u", "watchlist", [1])
    assert store.marks("u", "not_interested") == []
    assert store.marked("u") == {1, 2}


def test_film_lists_refuse_bad_input(store: SqliteProfileStore) -> None:
    with pytest.raises(ValueError, match="kind"):
        store.mark("u", "loved", [1])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kind"):
        store.marks("u", "loved")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="movie id"):
        store.mark("u", "seen", [1, "2"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="user_key"):
        store.mark("", "seen", [1])
    assert store.marked("u") == set()  # a refused batch stores none of it


def test_a_refused_mark_is_a_store_error_and_stores_nothing(store: SqliteProfileStore) -> None:
    store.mark("u", "seen", [1])
    connection = store._open()
    connection.execute("PRAGMA query_only = ON")  # the database refuses writes from here
    with pytest.raises(StoreError, match="nothing was saved"):
        store.mark("u", "watchlist", [2, 3])
    with pytest.raises(StoreError, match="nothing was saved"):
        store.unmark("u", "seen", 1)
    connection.execute("PRAGMA query_only = OFF")
    assert store.marked("u") == {1}


def test_migrate_reports_the_start_version_and_is_idempotent(db_path: Path) -> None:
    connection = sqlite3.connect(db_path, isolation_level=None)
    assert migrate(connection) == 0
    assert migrate(connection) == SCHEMA_VERSION  # nothing left to do
    assert connection.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    connection.close()


def test_failed_migration_step_rolls_back_whole_step(db_path: Path) -> None:
    connection = sqlite3.connect(db_path, isolation_level=None)
    broken = (*MIGRATIONS, ("CREATE TABLE half_done (a INTEGER)", "THIS IS NOT SQL"))
    with pytest.raises(sqlite3.OperationalError):
        migrate(connection, broken)
    # the good steps stayed, the broken one left no trace, not even its first statement
    assert connection.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    names = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in names
    assert not connection.in_transaction
    connection.close()
    with SqliteProfileStore(db_path) as store:  # still opens fine at the good version
        store.rate("u", 1, 3)


def test_newer_or_foreign_files_are_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    connection = sqlite3.connect(newer)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(DataError, match="newer"):
        SqliteProfileStore(newer)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(DataError, match=r"garbage\.db"):
        SqliteProfileStore(garbage)


# ---- concurrency and durability ------------------------------------------------------------

N_USERS = 200
RATINGS_PER_USER = 6


def expected_ratings(user: int) -> dict[int, float]:
    return {user * 1000 + j: ((user + j) % 10 + 1) / 2 for j in range(RATINGS_PER_USER)}


def one_user_chats(store: SqliteProfileStore, user: int) -> None:
    """What one person does in a conversation: rate several films, page, give feedback."""
    key = f"telegram:{user}"
    for movie, stars in expected_ratings(user).items():
        store.rate(key, movie, stars)
        store.save_session(key, {"cursor": movie})
    store.mark_shown(key, [user, user + 1])
    store.feedback(key, user, user % 2 == 0)


def test_200_users_rating_concurrently_lose_nothing(db_path: Path) -> None:
    with SqliteProfileStore(db_path) as store, ThreadPoolExecutor(max_workers=16) as pool:
        for future in [pool.submit(one_user_chats, store, user) for user in range(N_USERS)]:
            future.result()  # re-raises any error from a worker

    with SqliteProfileStore(db_path) as reopened:
        for user in range(N_USERS):
            key = f"telegram:{user}"
            assert reopened.get(key).ratings == expected_ratings(user)
            assert reopened.load_session(key) == {"cursor": user * 1000 + RATINGS_PER_USER - 1}
            assert reopened.shown(key) == {user, user + 1}
            assert reopened.feedback_of(key) == {user: user % 2 == 0}
    check = sqlite3.connect(db_path)
    assert check.execute("SELECT COUNT(*) FROM ratings").fetchone() == (N_USERS * RATINGS_PER_USER,)
    check.close()


def test_two_stores_on_one_file_wait_for_each_other(db_path: Path) -> None:
    """Two connections (as two processes would have) writing at once: the busy timeout."""
    first, second = SqliteProfileStore(db_path), SqliteProfileStore(db_path)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [
                pool.submit(one_user_chats, first if user % 2 else second, user)
                for user in range(40)
            ]
            for future in futures:
                future.result()
        for user in range(40):
            assert first.get(f"telegram:{user}").ratings == expected_ratings(user)
    finally:
        first.close()
        second.close()


def test_called_from_asyncio_to_thread(db_path: Path) -> None:
    async def chat(store: SqliteProfileStore) -> list[Profile]:
        await asyncio.gather(
            *(asyncio.to_thread(store.rate, f"u{i % 5}", i, 3.5) for i in range(50))
        )
        return list(
            await asyncio.gather(*(asyncio.to_thread(store.get, f"u{i}") for i in range(5)))
        )

    with SqliteProfileStore(db_path) as store:
        profiles = asyncio.run(chat(store))
    assert [len(profile.ratings) for profile in profiles] == [10] * 5
    assert profiles[2].ratings == {i: 3.5 for i in range(2, 50, 5)}


CHILD = """
import sys
from pathlib import Path
from bot.store import SqliteProfileStore

store = SqliteProfileStore(Path(sys.argv[1]))
print("ready", flush=True)
for step in range(1_000_000):
    if not sys.stdin.readline():  # lockstep: one step per "go" from the parent
        break
    user = f"telegram:{step % 7}"
    movie = step + 1
    stars = (step % 10 + 1) / 2
    store.rate(user, movie, stars)
    store.save_session(user, {"step": step})
    print(step, user, movie, stars, flush=True)
"""

ACKS_BEFORE_KILL = 137  # not a round number: a store that commits in batches would fail


def test_sigkill_mid_conversation_loses_nothing_acknowledged(db_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db_path)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(20.0, child.kill)  # never hang the suite
    watchdog.start()
    acked: dict[str, dict[int, float]] = {}
    last_step: dict[str, int] = {}
    try:
        assert child.stdin is not None and child.stdout is not None
        assert child.stdout.readline().strip() == "ready", child.stderr
        for _ in range(ACKS_BEFORE_KILL):
            # lockstep, so the child cannot run ahead of what we have read: an acknowledged
            # write must be durable by itself, not because later writes committed it
            child.stdin.write("go\n")
            child.stdin.flush()
            line = child.stdout.readline()
            assert line, f"child died early: {child.stderr.read() if child.stderr else ''}"
            step, user, movie, stars = line.split()
            acked.setdefault(user, {})[int(movie)] = float(stars)
            last_step[user] = int(step)
        # start one more step and kill the child while it is writing it
        assert child.poll() is None
        child.stdin.write("go\n")
        child.stdin.flush()
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        watchdog.cancel()
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdin, child.stdout, child.stderr):
            if stream is not None:
                stream.close()

    assert sum(len(movies) for movies in acked.values()) == ACKS_BEFORE_KILL
    with SqliteProfileStore(db_path) as reopened:
        for user, movies in acked.items():
            stored = reopened.get(user).ratings
            # every acknowledged rating is there; writes after the last ack may be there too
            assert {movie: stored.get(movie) for movie in movies} == movies
            session = reopened.load_session(user)
            assert session is not None and session["step"] >= last_step[user]
    check = sqlite3.connect(db_path)
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    check.close()


def test_unusable_database_paths_are_one_clear_error(tmp_path: Path) -> None:
    from recommender.errors import DataError

    with pytest.raises(DataError, match="cannot open the profile database"):
        SqliteProfileStore(tmp_path)  # a folder
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(DataError, match="cannot open the profile database"):
        SqliteProfileStore(blocker / "profiles.sqlite3")  # parent is a file

    # SQLite opens lazily, so a folder it cannot write in only fails at the first statement;
    # as root chmod cannot block it, so a directory where the journal file goes stands in.
    lazy = tmp_path / "lazy.sqlite3"
    Path(f"{lazy}-journal").mkdir()
    with pytest.raises(DataError, match="cannot open the profile database") as caught:
        SqliteProfileStore(lazy)
    assert "\n" not in str(caught.value)
