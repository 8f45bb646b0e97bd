"""Who is asking: a chat user's ratings and optional link to a dataset user.

``ProfileStore`` is the interface the tools need; ``InMemoryProfileStore`` serves tests and the
one-shot CLI, and the front-ends provide a durable (SQLite) store with the same methods.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["InMemoryProfileStore", "Profile", "ProfileStore"]


class Profile(BaseModel):
    """A person's state as the recommender sees it."""

    model_config = ConfigDict(frozen=True)

    user_key: str = Field(description="Front-end's id for the person, e.g. 'telegram:42'.")
    ratings: dict[int, float] = Field(default_factory=dict, description="movie id -> stars")
    dataset_user: int | None = Field(
        None, description="A MovieLens user id this person chose to act as (demo)."
    )
    dislikes: frozenset[int] = Field(
        frozenset(),
        description="Movie ids the person called not for them: never listed, and a weak "
        "negative signal for personal picks (unlike a low rating, which the rankers read as "
        "'watched it').",
    )

    @property
    def is_known(self) -> bool:
        """True when personal recommendations are possible."""
        return self.dataset_user is not None or bool(self.ratings)


class ProfileStore(Protocol):
    def get(self, user_key: str) -> Profile: ...

    def rate(self, user_key: str, movie_id: int, stars: float) -> Profile: ...

    def link(self, user_key: str, dataset_user: int | None) -> Profile: ...

    def forget(self, user_key: str) -> None: ...


class InMemoryProfileStore:
    """A ProfileStore in a dict; gone when the process ends."""

    def __init__(self) -> None:
        self._profiles: dict[str, Profile] = {}

    def get(self, user_key: str) -> Profile:
        return self._profiles.get(user_key) or Profile(user_key=user_key)

    def rate(self, user_key: str, movie_id: int, stars: float) -> Profile:
        profile = self.get(user_key)
        updated = profile.model_copy(update={"ratings": {**profile.ratings, movie_id: stars}})
        self._profiles[user_key] = updated
        return updated

    def link(self, user_key: str, dataset_user: int | None) -> Profile:
        updated = self.get(user_key).model_copy(update={"dataset_user": dataset_user})
        self._profiles[user_key] = updated
        return updated

    def forget(self, user_key: str) -> None:
        self._profiles.pop(user_key, None)
