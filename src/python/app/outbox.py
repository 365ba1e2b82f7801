"""The sample's "mail server": an append-only JSON-lines file under the app's data dir.

`Email.send_email` appends (inside `ctx.run`); people, the client command and tests read it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel

from app.models import SECRET_HEADER, EmailMessage

DATA_DIR_ENV = "APP_DATA_DIR"
DEFAULT_DATA_DIR = ".app-data"
OUTBOX_FILE = "outbox.jsonl"


class OutboxEntry(BaseModel):
    message_id: str
    message: EmailMessage


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """`$APP_DATA_DIR`, default `.app-data` (relative to the working directory)."""
    env = os.environ if env is None else env
    return Path(env.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


def outbox_path(env: Mapping[str, str] | None = None) -> Path:
    return data_dir(env) / OUTBOX_FILE


def append(path: Path, message_id: str, message: EmailMessage) -> str:
    """Appends one message (one line, one write) and returns `message_id`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = OutboxEntry(message_id=message_id, message=message).model_dump_json() + "\n"
    with open(path, "a", encoding="utf-8") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())
    return message_id


def read(path: Path) -> list[OutboxEntry]:
    """Every message in the outbox, oldest first, once each (a retried append may repeat one);
    [] when there is no outbox yet. Lines that do not parse (a torn write) are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    entries: dict[str, OutboxEntry] = {}
    for line in lines:
        try:
            entry = OutboxEntry.model_validate(json.loads(line))
        except ValueError:
            continue
        entries.setdefault(entry.message_id, entry)
    return list(entries.values())


def latest_secret(path: Path, email: str) -> str | None:
    """The secret of the newest verification email to `email`, if any."""
    for entry in reversed(read(path)):
        secret = entry.message.headers.get(SECRET_HEADER)
        if entry.message.to == email and secret:
            return secret
    return None
