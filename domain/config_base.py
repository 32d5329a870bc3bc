"""The strict base of every configuration table, and the shape of an id.

Its own module so that the tables of `domain.config` and those kept beside their use
(`domain.followup_config`) share it without importing each other.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from domain.text import first_unsafe

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _documents_can_hold_it(cls, value: Any) -> Any:
        """Names and titles end up in Word and Excel files: a character those cannot hold
        (U+FFFF, a control character; `domain.text`) is refused here, with its line."""

        for text in value if isinstance(value, tuple) else (value,):
            char = first_unsafe(text) if isinstance(text, str) else None
            if char is not None:
                raise PydanticCustomError("config.unsafe_text", "{char}", {"char": char})
        return value
