"""Types shared by the sample components."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec
from pydantic import BaseModel


@dataclass
class SignupRequest:
    email: str
    name: str
    tags: list[str] = field(default_factory=list)


class UserProfile(BaseModel):
    email: str
    name: str
    tags: list[str] = []
    confirmed: bool = False


class EmailMessage(msgspec.Struct):
    to: str
    subject: str
    body: str = ""
