"""Errors of the notifier package, rooted in :class:`NotifierError`."""

from __future__ import annotations


class NotifierError(Exception):
    """Base class of every error raised by :mod:`notifier`."""


class UnsupportedTransportURL(NotifierError):
    """The smtp.url of config.yaml has a scheme tinbai does not know."""


class TransportError(NotifierError):
    """Sending failed in a way worth retrying later (server down, timeout, 4xx)."""


class PermanentTransportError(NotifierError):
    """The server refused the message or recipient for good (5xx); retrying won't help."""
