"""The durable per-user store behind the chat front-ends: one SQLite file.

``SqliteProfileStore`` implements ``tools.profiles.ProfileStore`` (get, rate, link, forget) and
adds what a conversation needs: 👍/👎 feedback on recommended items, the items already shown,
the person's seen / not interested / watchlist films, and a small JSON session blob (paging cursor, pending "did you mean" choices) so a restart does
not lose the conversation.

Durability — "nothing a user said is lost across a restart or a crash":

* WAL journal, ``synchronous=FULL``: every commit fsyncs the write-ahead log before it
  returns.  WAL+NORMAL would survive a killed process (the log is in the OS page cache) but
  may lose the last commits on power loss or a kernel crash; FULL survives both, for one fsync
  per write — nothing at chat speed.
* Every write method is one ``BEGIN IMMEDIATE … COMMIT`` transaction that has committed before
  the method returns, so a returned call (the acknowledgement) is durable.
* Foreign keys on (child rows cannot outlive their user; ``forget`` cascades), a busy timeout
  so a second process waits for the write lock instead of failing at once.
* A write the database refuses (disk full, read-only, locked past the timeout, I/O error,
  damaged file) rolls back whole and raises ``StoreError``, whose message tells the person
  plainly that nothing was saved (never a silent "Noted"); the path and SQLite's own words go
  to the log, not to the chat.  Reads that fail raise ``StoreError`` the same way.

Threads: one connection opened with ``check_same_thread=False`` plus a lock around every use.
SQLite lets one writer at a time anyway, and each call here takes well under a millisecond, so
serialising calls from ``asyncio.to_thread`` workers costs nothing measurable and avoids the
bookkeeping (and closing) of one connection per thread.

Schema: versioned by ``PRAGMA user_version``.  ``MIGRATIONS[i]`` takes the database from
version ``i`` to ``i + 1``; each step runs in its own transaction together with the version bump,
so an older database upgrades in place and a failed step leaves the previous version intact.
Only ever append steps; never edit a released one.
"""

from __future__ import annotations

import json
import logging
import math
import numbers
import operator
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, NamedTuple, Self, get_args

from recommender.errors import DataError, MovieBotError
from tools.profiles import Profile

__all__ = [
    "MARK_KINDS",
    "MAX_SESSION_BYTES",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Mark",
    "MarkKind",
    "Migration",
    "RatedMovie",
    "SqliteProfileStore",
    "StoreError",
    "migrate",
    "validate_stars",
]

#: One migration step: the statements taking the schema from version i to i + 1.
Migration = tuple[str, ...]

MIGRATIONS: tuple[Migration, ...] = (
    # v1: what ProfileStore needs — people, their link to a dataset user, their ratings.
    (
        """CREATE TABLE users (
            user_key     TEXT PRIMARY KEY,
            dataset_user INTEGER,
            created_at   REAL NOT NULL
        )""",
        """CREATE TABLE ratings (
            user_key TEXT NOT NULL REFERENCES users(user_key) ON DELETE CASCADE,
            movie_id INTEGER NOT NULL,
            stars    REAL NOT NULL CHECK (stars BETWEEN 0.5 AND 5.0),
            rated_at REAL NOT NULL,
            PRIMARY KEY (user_key, movie_id)
        ) WITHOUT ROWID""",
    ),
    # v2: what the chat front-ends need — feedback, items shown, conversation state.
    (
        """CREATE TABLE feedback (
            user_key TEXT NOT NULL REFERENCES users(user_key) ON DELETE CASCADE,
            movie_id INTEGER NOT NULL,
            liked    INTEGER NOT NULL CHECK (liked IN (0, 1)),
            given_at REAL NOT NULL,
            PRIMARY KEY (user_key, movie_id)
        ) WITHOUT ROWID""",
        """CREATE TABLE shown (
            user_key TEXT NOT NULL REFERENCES users(user_key) ON DELETE CASCADE,
            movie_id INTEGER NOT NULL,
            shown_at REAL NOT NULL,
            PRIMARY KEY (user_key, movie_id)
        ) WITHOUT ROWID""",
        """CREATE TABLE sessions (
            user_key   TEXT PRIMARY KEY REFERENCES users(user_key) ON DELETE CASCADE,
            state      TEXT NOT NULL,
            updated_at REAL NOT NULL
        )""",
    ),
    # v3: what the person said about films they were shown — seen, not interested, watchlist.
    # One row per (person, list, film); a film may be seen and on the watchlist at once, but
    # "not interested" and "watchlist" exclude each other (``mark`` keeps that).
    (
        """CREATE TABLE marks (
            user_key  TEXT NOT NULL REFERENCES users(user_key) ON DELETE CASCADE,
            kind      TEXT NOT NULL CHECK (kind IN ('seen', 'not_interested', 'watchlist')),
            movie_id  INTEGER NOT NULL,
            marked_at REAL NOT NULL,
            PRIMARY KEY (user_key, kind, movie_id)
        ) WITHOUT ROWID""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

#: Session blobs are small (a cursor, a few candidate titles); a bigger one is a bug upstream.
MAX_SESSION_BYTES = 64 * 1024
#: How long a write waits for another process holding the write lock.
BUSY_TIMEOUT_S = 10.0
#: SQLite's result codes for a database that cannot do its job right now, as people hear it.
_FAILURE_REASONS = {
    "SQLITE_FULL": "the disk is full",
    "SQLITE_READONLY": "the profile database is read-only",
    "SQLITE_BUSY": "the profile database is busy",
    "SQLITE_LOCKED": "the profile database is busy",
    "SQLITE_IOERR": "a disk error",
    "SQLITE_CORRUPT": "the profile database is damaged",
    "SQLITE_NOTADB": "the profile database is damaged",
    "SQLITE_CANTOPEN": "the profile database cannot be opened",
}
log = logging.getLogger("moviebot.store")


class StoreError(MovieBotError):
    """The profile database refused a read or write (disk full, read-only, busy, damaged).

    The message is meant for the person (no path); the log has the details.
    """


#: The per-person film lists: seen, "not for me", "I'll watch it".
MarkKind = Literal["seen", "not_interested", "watchlist"]
MARK_KINDS: tuple[MarkKind, ...] = get_args(MarkKind)
#: Marking a film on one of these lists takes it off the other: a film is not both wanted
#: and unwanted, and the latest word counts.
_EXCLUSIVE: dict[str, str] = {"not_interested": "watchlist", "watchlist": "not_interested"}


class Mark(NamedTuple):
    """One film on one of a person's lists, with the time it was (last) put there."""

    movie_id: int
    marked_at: datetime


class RatedMovie(NamedTuple):
    """One stored rating with the time it was (last) given."""

    movie_id: int
    stars: float
    rated_at: datetime


def validate_stars(stars: float) -> float:
    """``stars`` as a float if it is a half-star step in 0.5-5 (the MovieLens scale).

    Raises ValueError otherwise (including NaN, infinities, booleans and non-numbers).
    """
    if isinstance(stars, bool) or not isinstance(stars, numbers.Real):
        raise ValueError(f"stars must be a number, not {stars!r}")
    value = float(stars)
    if not (math.isfinite(value) and 0.5 <= value <= 5.0 and (value * 2).is_integer()):
        raise ValueError(f"stars must be 0.5-5 in half-star steps, not {stars!r}")
    return value


def migrate(connection: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the database up to ``len(migrations)``; returns the version it was at.

    ``connection`` must be in autocommit mode (``isolation_level=None``) so that the explicit
    transactions here are the only ones.  Each step and its version bump commit together.
    Raises DataError for a database newer than this code.
    """
    target = len(migrations)
    start = _user_version(connection)
    while True:
        # IMMEDIATE takes the write lock before reading the version: two processes opening an
        # old database at once cannot both apply the same step.
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = _user_version(connection)
            if version > target:
                raise DataError(
                    _database_name(connection),
                    f"schema version {version} is newer than this program's ({target})",
                )
            if version == target:
                connection.execute("COMMIT")
                return start
            for statement in migrations[version]:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {version + 1}")
            connection.execute("COMMIT")
        except BaseException:
            _rollback(connection)
            raise


class SqliteProfileStore:
    """A ``ProfileStore`` (plus feedback, shown items, sessions) in one SQLite file.

    Safe to share between threads; every write has committed (and been fsynced) when the
    method returns.  Use as a context manager or call ``close()``.
    """

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock  # unix seconds; injectable so tests can see timestamps change
        self._lock = threading.RLock()
        try:
            if self.path.is_dir():
                raise IsADirectoryError(f"{self.path} is a folder")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,  # autocommit: transactions are the explicit ones below
                check_same_thread=False,  # shared between threads, guarded by self._lock
            )
        except (OSError, sqlite3.Error) as error:
            raise DataError(self.path, f"cannot open the profile database: {error}") from None
        configured = False
        try:
            self._configure(connection)
            configured = True
            migrate(connection)
        except sqlite3.DatabaseError as error:
            connection.close()
            # SQLite opens lazily: an unwritable folder only shows at the first statement.
            if not configured and isinstance(error, sqlite3.OperationalError):
                raise DataError(self.path, f"cannot open the profile database: {error}") from None
            raise DataError(self.path, f"not a usable profile database: {error}") from error
        except BaseException:
            connection.close()
            raise
        self._connection: sqlite3.Connection | None = connection

    # ---- ProfileStore -------------------------------------------------------------------

    def get(self, user_key: str) -> Profile:
        """The person's profile; an empty one for someone never seen (nothing is written)."""
        _check_user_key(user_key)
        with self._lock, self._failures("read"):
            return self._profile(self._open(), user_key)

    def rate(self, user_key: str, movie_id: int, stars: float) -> Profile:
        """Store ``stars`` for the movie (replacing an earlier rating); returns the profile."""
        _check_user_key(user_key)
        movie = _integer("movie id", movie_id)
        value = validate_stars(stars)
        with self._write(user_key) as (connection, now):
            connection.execute(
                """INSERT INTO ratings (user_key, movie_id, stars, rated_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (user_key, movie_id)
                   DO UPDATE SET stars = excluded.stars, rated_at = excluded.rated_at""",
                (user_key, movie, value, now),
            )
            return self._profile(connection, user_key)

    def link(self, user_key: str, dataset_user: int | None) -> Profile:
        """Act as MovieLens user ``dataset_user`` (None removes the link); returns the profile."""
        _check_user_key(user_key)
        linked = None if dataset_user is None else _integer("dataset user", dataset_user)
        with self._write(user_key) as (connection, _):
            connection.execute(
                "UPDATE users SET dataset_user = ? WHERE user_key = ?", (linked, user_key)
            )
            return self._profile(connection, user_key)

    def forget(self, user_key: str) -> None:
        """Delete everything stored for the person, in one transaction.

        Ratings, feedback, shown items, seen / not interested / watchlist and the session go
        with the user row (ON DELETE CASCADE).
        """
        _check_user_key(user_key)
        with self._lock, self._transaction() as connection:
            connection.execute("DELETE FROM users WHERE user_key = ?", (user_key,))

    # ---- ratings with their times ---------------------------------------------------------

    def rated(self, user_key: str) -> list[RatedMovie]:
        """The person's ratings with the time each was given, oldest first."""
        _check_user_key(user_key)
        with self._lock, self._failures("read"):
            rows = (
                self._open()
                .execute(
                    "SELECT movie_id, stars, rated_at FROM ratings WHERE user_key = ?"
                    " ORDER BY rated_at, movie_id",
                    (user_key,),
                )
                .fetchall()
            )
        return [RatedMovie(m, s, datetime.fromtimestamp(t, UTC)) for m, s, t in rows]

    # ---- 👍/👎 feedback ----------------------------------------------------------------

    def feedback(self, user_key: str, movie_id: int, liked: bool) -> None:
        """Record 👍 (``liked=True``) or 👎 on a recommended movie; the latest one wins."""
        _check_user_key(user_key)
        movie = _integer("movie id", movie_id)
        if not isinstance(liked, bool):
            raise ValueError(f"liked must be True or False, not {liked!r}")
        with self._write(user_key) as (connection, now):
            connection.execute(
                """INSERT INTO feedback (user_key, movie_id, liked, given_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (user_key, movie_id)
                   DO UPDATE SET liked = excluded.liked, given_at = excluded.given_at""",
                (user_key, movie, int(liked), now),
            )

    def feedback_of(self, user_key: str) -> dict[int, bool]:
        """movie id -> True (👍) / False (👎)."""
        rows = self._select(user_key, "SELECT movie_id, liked FROM feedback WHERE user_key = ?")
        return {movie: bool(liked) for movie, liked in rows}

    # ---- items already shown ------------------------------------------------------------

    def mark_shown(self, user_key: str, movie_ids: Sequence[int]) -> None:
        """Remember that these movies were shown (the first time shown is kept)."""
        _check_user_key(user_key)
        movies = [_integer("movie id", movie) for movie in movie_ids]
        if not movies:
            return
        with self._write(user_key) as (connection, now):
            connection.executemany(
                "INSERT OR IGNORE INTO shown (user_key, movie_id, shown_at) VALUES (?, ?, ?)",
                [(user_key, movie, now) for movie in movies],
            )

    def shown(self, user_key: str) -> set[int]:
        """The movies already shown to the person."""
        rows = self._select(user_key, "SELECT movie_id FROM shown WHERE user_key = ?")
        return {movie for (movie,) in rows}

    def clear_shown(self, user_key: str) -> None:
        """Forget what was shown, so everything may be shown again."""
        _check_user_key(user_key)
        with self._lock, self._transaction() as connection:
            connection.execute("DELETE FROM shown WHERE user_key = ?", (user_key,))

    # ---- seen / not interested / watchlist ------------------------------------------------

    def mark(self, user_key: str, kind: MarkKind, movie_ids: Sequence[int]) -> None:
        """Put the films on the person's ``kind`` list (again: the time is renewed), in one
        transaction; "not_interested" and "watchlist" take the films off the other list."""
        _check_user_key(user_key)
        _check_kind(kind)
        movies = [_integer("movie id", movie) for movie in movie_ids]
        if not movies:
            return
        with self._write(user_key) as (connection, now):
            connection.executemany(
                """INSERT INTO marks (user_key, kind, movie_id, marked_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (user_key, kind, movie_id)
                   DO UPDATE SET marked_at = excluded.marked_at""",
                [(user_key, kind, movie, now) for movie in movies],
            )
            other = _EXCLUSIVE.get(kind)
            if other is not None:
                connection.executemany(
                    "DELETE FROM marks WHERE user_key = ? AND kind = ? AND movie_id = ?",
                    [(user_key, other, movie) for movie in movies],
                )

    def marks(self, user_key: str, kind: MarkKind) -> list[Mark]:
        """The films on the person's ``kind`` list, oldest first."""
        _check_kind(kind)
        _check_user_key(user_key)
        with self._lock, self._failures("read"):
            rows = (
                self._open()
                .execute(
                    "SELECT movie_id, marked_at FROM marks WHERE user_key = ? AND kind = ?"
                    " ORDER BY marked_at, movie_id",
                    (user_key, kind),
                )
                .fetchall()
            )
        return [Mark(m, datetime.fromtimestamp(t, UTC)) for m, t in rows]

    def unmark(self, user_key: str, kind: MarkKind, movie_id: int) -> bool:
        """Take the film off the person's ``kind`` list; False if it was not on it."""
        _check_user_key(user_key)
        _check_kind(kind)
        movie = _integer("movie id", movie_id)
        with self._lock, self._transaction() as connection:
            cursor = connection.execute(
                "DELETE FROM marks WHERE user_key = ? AND kind = ? AND movie_id = ?",
                (user_key, kind, movie),
            )
            return cursor.rowcount > 0

    def marked(self, user_key: str) -> set[int]:
        """Every film on any of the person's lists: the ones never to show them again."""
        rows = self._select(user_key, "SELECT DISTINCT movie_id FROM marks WHERE user_key = ?")
        return {movie for (movie,) in rows}

    # ---- conversation state -------------------------------------------------------------

    def save_session(self, user_key: str, state: dict[str, Any]) -> None:
        """Replace the person's conversation state with ``state`` (stored as JSON).

        Raises TypeError for values JSON cannot hold, ValueError for NaN/infinity or a blob
        over ``MAX_SESSION_BYTES``.  JSON turns tuples into lists and dict keys into strings.
        """
        _check_user_key(user_key)
        if not isinstance(state, dict):
            raise TypeError(f"session state must be a dict, not {type(state).__name__}")
        blob = json.dumps(state, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
        if len(blob.encode()) > MAX_SESSION_BYTES:
            raise ValueError(f"session state is over {MAX_SESSION_BYTES} bytes as JSON")
        with self._write(user_key) as (connection, now):
            connection.execute(
                """INSERT INTO sessions (user_key, state, updated_at) VALUES (?, ?, ?)
                   ON CONFLICT (user_key)
                   DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at""",
                (user_key, blob, now),
            )

    def load_session(self, user_key: str) -> dict[str, Any] | None:
        """The last saved conversation state, or None when there is none."""
        rows = self._select(user_key, "SELECT state FROM sessions WHERE user_key = ?")
        if not rows:
            return None
        state: dict[str, Any] = json.loads(rows[0][0])
        return state

    def clear_session(self, user_key: str) -> None:
        """Drop the conversation state (e.g. the person said "start over")."""
        _check_user_key(user_key)
        with self._lock, self._transaction() as connection:
            connection.execute("DELETE FROM sessions WHERE user_key = ?", (user_key,))

    # ---- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the database; calling it again does nothing."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # ---- internals ------------------------------------------------------------------------

    def _configure(self, connection: sqlite3.Connection) -> None:
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise DataError(self.path, f"cannot use WAL journal mode here (got {mode!r})")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            raise sqlite3.ProgrammingError(f"profile store {self.path} is closed")
        return self._connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error); the caller holds ``self._lock``."""
        connection = self._open()
        with self._failures("write"):
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.execute("COMMIT")
            except BaseException:
                _rollback(connection)
                raise

    @contextmanager
    def _failures(self, doing: str) -> Iterator[None]:
        """Turn the database refusing to ``doing`` ("read", "write") into StoreError."""
        try:
            yield
        except sqlite3.Error as error:
            reason = _failure_reason(error)
            if reason is None:  # misuse (closed store, constraint): a bug, not the disk
                raise
            log.error("profile database %s: %s failed: %s", self.path, doing, error)
            if doing == "read":
                message = f"your profile could not be read ({reason}); please try again later"
            else:
                message = (
                    f"your profile could not be updated ({reason}), so nothing was saved "
                    "or changed; please try again later"
                )
            raise StoreError(message) from None

    @contextmanager
    def _write(self, user_key: str) -> Iterator[tuple[sqlite3.Connection, float]]:
        """A locked transaction in which the user's row exists; yields it with the time now."""
        with self._lock, self._transaction() as connection:
            now = self._clock()
            connection.execute(
                "INSERT OR IGNORE INTO users (user_key, created_at) VALUES (?, ?)",
                (user_key, now),
            )
            yield connection, now

    def _select(self, user_key: str, sql: str) -> list[Any]:
        _check_user_key(user_key)
        with self._lock, self._failures("read"):
            return self._open().execute(sql, (user_key,)).fetchall()

    @staticmethod
    def _profile(connection: sqlite3.Connection, user_key: str) -> Profile:
        row = connection.execute(
            "SELECT dataset_user FROM users WHERE user_key = ?", (user_key,)
        ).fetchone()
        ratings = connection.execute(
            "SELECT movie_id, stars FROM ratings WHERE user_key = ?", (user_key,)
        ).fetchall()
        return Profile(
            user_key=user_key,
            ratings={movie: stars for movie, stars in ratings},
            dataset_user=None if row is None else row[0],
        )


def _check_user_key(user_key: str) -> None:
    if not isinstance(user_key, str) or not user_key:
        raise ValueError(f"user_key must be a non-empty string, not {user_key!r}")


def _check_kind(kind: str) -> None:
    if kind not in MARK_KINDS:
        raise ValueError(f"kind must be one of {', '.join(MARK_KINDS)}, not {kind!r}")


def _integer(name: str, value: int) -> int:
    """``value`` as a plain int (numpy integers welcome); booleans and non-integers refused."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, not {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer, not {value!r}") from None


def _rollback(connection: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open (SQLite may already have rolled it back)."""
    if connection.in_transaction:
        connection.execute("ROLLBACK")


def _failure_reason(error: sqlite3.Error) -> str | None:
    """What went wrong, in plain words, when the database itself failed; None for misuse."""
    name = getattr(error, "sqlite_errorname", "")
    for code, reason in _FAILURE_REASONS.items():
        if name == code or name.startswith(f"{code}_"):  # e.g. SQLITE_IOERR_WRITE
            return reason
    if isinstance(error, sqlite3.OperationalError):
        return "a database error"
    return None


def _user_version(connection: sqlite3.Connection) -> int:
    version: int = connection.execute("PRAGMA user_version").fetchone()[0]
    return version


def _database_name(connection: sqlite3.Connection) -> str:
    row = connection.execute("PRAGMA database_list").fetchone()
    return str(row[2] or ":memory:")
