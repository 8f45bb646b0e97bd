"""Settings from the environment and ``.env`` (pydantic-settings); ``.env.example`` lists them.

Secrets are ``SecretStr``: they never appear in a repr, a log line or an error message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.parsing.base import LLMOptions
from recommender.paths import DEFAULT_DATASET, cache_root

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str | None = Field(None, validation_alias="TELEGRAM_API_BASE_URL")
    telegram_allowed_users: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), validation_alias="TELEGRAM_ALLOWED_USERS"
    )
    openai_api_key: SecretStr | None = Field(None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(None, validation_alias="OPENAI_BASE_URL")
    openai_model: str | None = Field(None, validation_alias="OPENAI_MODEL")
    parser: Literal["auto", "regex", "llm"] = Field(
        "auto", validation_alias=AliasChoices("MOVIEBOT_PARSER")
    )
    dataset: str = Field(DEFAULT_DATASET, validation_alias="MOVIEBOT_DATASET")
    data_dir: Path | None = Field(None, validation_alias="MOVIEBOT_DATA_DIR")
    model_dir: Path | None = Field(None, validation_alias="MOVIEBOT_MODEL_DIR")
    db: Path | None = Field(None, validation_alias="MOVIEBOT_DB")
    home: Path | None = Field(None, validation_alias="MOVIEBOT_HOME")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "WARNING", validation_alias="MOVIEBOT_LOG_LEVEL"
    )

    @field_validator("telegram_allowed_users", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(",", " ").split())
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator(
        "data_dir",
        "home",
        "model_dir",
        "db",
        "telegram_api_base_url",
        "openai_base_url",
        "openai_model",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def cache_root(self) -> Path:
        """Root of downloads, models and the profile database (MOVIEBOT_HOME)."""
        return self.home or cache_root()

    def datasets_dir(self) -> Path:
        return self.cache_root() / "datasets"

    def dataset_dir(self) -> Path:
        return self.data_dir or self.datasets_dir() / self.dataset

    def models_dir(self) -> Path:
        return self.model_dir or self.cache_root() / "models"

    def db_path(self) -> Path:
        return self.db or self.cache_root() / "profiles.sqlite3"

    def llm_options(self) -> LLMOptions | None:
        """The LLM parser's typed options, or None when no API key is configured."""
        key = self.openai_api_key
        if key is None or not key.get_secret_value().strip():
            return None
        options = {"base_url": self.openai_base_url, "model": self.openai_model}
        return LLMOptions(
            api_key=SecretStr(key.get_secret_value().strip()),
            **{name: value for name, value in options.items() if value},
        )
