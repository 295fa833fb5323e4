"""Alert emails to admins: every alert recorded, at most one email per kind per window."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta
from pathlib import Path

from resilience_support import write_maildir_config

from store.base import iso
from store.db import Store
from tinbai.config import load_config
from tinbai.outbox import Outbox


def test_one_email_per_kind_per_configured_window(tmp_path: Path) -> None:
    config = load_config(write_maildir_config(tmp_path, (
        "replies:\n  admin_emails: [quantri@congdoan.example.vn, it@congdoan.example.vn]\n"
        "  alert_interval_hours: 0.5\n")))
    store = Store(config.data_path)
    raise_alert = Outbox(config, store).alert

    def queued(kind: str) -> list[dict[str, object]]:
        return [row for row in store.outbox.due()
                if row["kind"] == "alert" and str(row["subject"]).endswith(f"({kind})")]

    assert raise_alert("quarantined", "editorial UID 7: lỗi")
    assert not raise_alert("quarantined", "editorial UID 8: lỗi")
    assert raise_alert("auth_failure", "login refused")  # another kind
    assert len(queued("quarantined")) == 2  # one per admin
    assert [a["kind"] for a in store.outbox.open_alerts()].count("quarantined") == 2
    body = email.message_from_bytes(
        bytes(queued("quarantined")[0]["raw"]),  # type: ignore[arg-type]
        policy=email.policy.default,
    )
    assert "trong 0.5 giờ tới" in body.get_content()  # type: ignore[union-attr]

    def age_alerts(minutes: int) -> None:
        # Set-up, not a query: the store has no API to rewrite when a row was queued.
        with store.transaction():
            for row in queued("quarantined") + queued("auth_failure"):
                earlier = datetime.fromisoformat(str(row["created_at"])) - timedelta(
                    minutes=minutes)
                store.db.execute("UPDATE outbox SET created_at = ? WHERE id = ?",
                                 (iso(earlier), row["id"]))

    age_alerts(25)  # still inside the half-hour window
    assert not raise_alert("quarantined", "editorial UID 9: lỗi")
    age_alerts(6)  # now 31 minutes ago: the next alert of that kind is emailed
    assert raise_alert("quarantined", "editorial UID 10: lỗi")
    assert len(queued("quarantined")) == 4
    store.close()
