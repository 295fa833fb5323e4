"""Mail loops (issue 5, SPEC §4): robots, bounces, lists, ourselves, spam, forged senders.

Every case in tests/data/loops/ (written by make_loop_cases.py) carries a complete form where
that makes sense, so only the loop rule keeps the reply from going out. Each is checked
with `tinbai check --json` and then run through the pipeline: nothing reaches the outbox.
"""

from __future__ import annotations

import json
import mailbox
import shutil
from pathlib import Path

import pytest
from resilience_support import write_maildir_config

from store.db import Store
from tinbai.cli import main
from tinbai.config import load_config
from tinbai.poll import Poller

LOOPS = Path(__file__).parent / "data" / "loops"
EXPECTED: dict[str, str] = json.loads((LOOPS / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """A Maildir inbox holding every loop case and a Maildir outbox."""
    return write_maildir_config(tmp_path)


def test_every_case_is_listed() -> None:
    assert sorted(p.name for p in LOOPS.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_json_names_the_disposition(
    name: str, config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config_path), "check", "--json", str(LOOPS / name)]) == 0
    result = json.loads(capsys.readouterr().out)
    expected = EXPECTED[name]
    if expected == "sender_unverified":
        # A forged sender is still listed for editors, with a warning; never answered.
        assert result["disposition"] is None
        codes = {p["code"]: p["severity"] for p in result["problems"]}
        assert codes["sender_unverified"] == "warning"
    else:
        assert (result["status"], result["disposition"]) == ("ignored", expected)


def test_pipeline_answers_none_of_them(config_path: Path) -> None:
    config = load_config(config_path)
    inbox = mailbox.Maildir(config.resolve("inbox"), create=True)
    for name in sorted(EXPECTED):
        inbox.add((LOOPS / name).read_bytes())
    store = Store(config.data_path)
    report = Poller(config, store).poll()
    assert (report.fetched, report.failed, report.replies_sent) == (len(EXPECTED), 0, 0)

    outbox = config.resolve("outbox")
    assert not outbox.exists() or not list(mailbox.Maildir(outbox, create=False).keys())
    others = store.messages.others(limit=1000)
    unverified = [message for row in store.queue.page(limit=1000)
                  for message in store.messages.of_submission(int(row["id"]))]
    assert len(others) + len(unverified) == len(EXPECTED)
    dispositions = sorted(r["disposition"] for r in others + unverified if r["disposition"])
    assert dispositions == sorted(v for v in EXPECTED.values() if v != "sender_unverified")

    # The forged sender's mail is stored as a submission with the warning; its fix
    # request exists only as a suppressed row (the reason is kept for editors).
    assert len(unverified) == 1
    submission_id = unverified[0]["submission_id"]
    problems = {p["code"] for p in store.submissions.problems_of(submission_id)}
    assert "sender_unverified" in problems
    replies = store.outbox.of_submission(submission_id)
    assert [(r["state"], r["kind"]) for r in replies] == [("suppressed", "fix_request")]
    assert "SPF/DKIM/DMARC" in replies[0]["last_error"]
    assert store.outbox.due() == []
    store.close()


def test_our_own_reply_coming_back_is_not_answered(tmp_path: Path, config_path: Path) -> None:
    """A reply of ours bounced back into the inbox (e.g. a forwarding rule) is ignored."""
    config = load_config(config_path)
    store = Store(config.data_path)
    inbox = mailbox.Maildir(config.resolve("inbox"), create=True)
    from tinbai.samples import sample_submission

    inbox.add(sample_submission(1).as_bytes())
    Poller(config, store).poll()
    sent = list(mailbox.Maildir(config.resolve("outbox"), create=False))
    assert len(sent) == 1
    ours = bytes(sent[0].as_bytes())
    assert b"Auto-Submitted: auto-replied" in ours
    assert b"X-Auto-Response-Suppress: All" in ours
    shutil.rmtree(config.resolve("outbox"))
    inbox.add(ours)
    report = Poller(config, store).poll()
    assert (report.fetched, report.ignored, report.replies_sent) == (1, 1, 0)
    store.close()
