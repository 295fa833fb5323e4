"""Settings of ``tinbai serve``: listening, cookies, sessions, proxies (docs/security.md).

Kept apart from :mod:`tinbai.config` so that module stays readable; ``Config`` includes
this section as ``web``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WebConfig(BaseModel):
    """``tinbai serve``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    host: str = Field("127.0.0.1", description="Listen address.")
    port: int = Field(8080, ge=1, le=65535, description="Listen port.")
    secret_key_env: str = Field(
        "TINBAI_SECRET_KEY",
        description="Environment variable with the key that signs the approval links in "
        "e-mails (unset: a random key kept in DATA_DIR/link.key, shared by tinbai run and "
        "tinbai serve). Sessions are kept on the server and need no key.",
    )
    secure_cookies: bool = Field(
        False, description="Set the Secure flag on cookies (turn on behind HTTPS)."
    )
    session_hours: float = Field(
        12, gt=0, le=24 * 31,
        description="A login lasts this long (sessions are kept on the server: logout, a "
        "password change and an admin's 'end all sessions' end them at once).",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses of the reverse proxies whose X-Forwarded-For/-Proto are "
        "believed (e.g. [127.0.0.1] behind a local nginx); login throttling is per client "
        "address, so set this behind a proxy.",
    )
    public_url: str = Field(
        "", description="Address at which contributors and approvers reach these pages "
        "(e.g. https://tinbai.congdoan.example.vn); e-mails carry status and approval links "
        "under it. Empty: no links in e-mails."
    )
