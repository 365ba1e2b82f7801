from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app import deployment, outbox
from app.mail import email_service
from app.models import SECRET_HEADER, EmailMessage, SentEmail
from restate_glue.testing import FakeRestate


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("APP_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_send_email_appends_to_the_outbox_inside_ctx_run(data_dir: Path) -> None:
    fake = FakeRestate(deployment)
    ctx = fake.context("Email")
    message = EmailMessage(to="ada@example.com", subject="Hi", body="Hello")
    sent = asyncio.run(email_service.send_email(ctx, message))
    assert ctx.runs == ["append to the outbox"]
    assert sent == SentEmail(message_id=sent.message_id, outbox=str(data_dir / "outbox.jsonl"))
    [entry] = outbox.read(data_dir / "outbox.jsonl")
    assert entry.message_id == sent.message_id and entry.message == message


def test_through_the_generated_client_serdes() -> None:
    fake = FakeRestate(deployment)
    message = EmailMessage(to="a@example.com", subject="s", body="b", headers={SECRET_HEADER: "x"})
    sent = asyncio.run(fake.call("Email", "send_email", message))
    assert isinstance(sent, SentEmail)


def test_outbox_reads_each_message_once_and_skips_torn_lines(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    first = EmailMessage(to="a@example.com", subject="1", body="", headers={SECRET_HEADER: "s1"})
    second = EmailMessage(to="a@example.com", subject="2", body="", headers={SECRET_HEADER: "s2"})
    outbox.append(path, "m1", first)
    outbox.append(path, "m1", first)  # a retried ctx.run may append twice
    with open(path, "a") as f:
        f.write('{"message_id": "m2", "mess')  # a torn write
        f.write("\n")
    outbox.append(path, "m3", second)
    assert [e.message_id for e in outbox.read(path)] == ["m1", "m3"]
    assert outbox.latest_secret(path, "a@example.com") == "s2"
    assert outbox.latest_secret(path, "b@example.com") is None
    assert outbox.read(tmp_path / "missing.jsonl") == []
