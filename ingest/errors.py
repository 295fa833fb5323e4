"""The exceptions ingest raises: one tree rooted in :class:`IngestError`.

Only transport and configuration problems are exceptions. Expected problems with a
message's content (broken MIME, lying charsets, hostile names) are reported as defects or
problem codes on the parsed message instead, because one bad mail must never stop a poll.
"""

from __future__ import annotations


class IngestError(Exception):
    """Base class of every error raised by the ``ingest`` package.

    Catch this to handle any ingest failure in one place (the scheduler job does).
    """


class SourceError(IngestError):
    """A mailbox source could not do what was asked (base for transport problems).

    The poll of that mailbox is abandoned and retried on the next run; nothing has been
    committed for messages that were not yet yielded.
    """


class SourceConnectError(SourceError):
    """The server could not be reached: DNS failure, connection refused, TLS handshake or
    certificate verification failed, or the connection dropped.

    Usually transient (server restart, network down); retry on the next poll.
    """


class SourceAuthError(SourceError):
    """The server refused the login (wrong password, revoked app password, expired or
    refused OAuth2 token).

    Not transient: the daemon logs it clearly and alerts the admins instead of retrying in
    a loop, which could also get the account locked.
    """


class SourceTimeout(SourceError):
    """The server did not answer within the configured connect or read timeout."""


class SourceProtocolError(SourceError):
    """The server answered something unexpected: a NO/BAD to a command we rely on, a
    response that violates RFC 3501, a missing folder, or a corrupt local Maildir index.
    """


class UnsupportedSourceURL(SourceError):
    """A configured mailbox URL has a scheme or shape tinbai does not understand.

    A configuration error: the message names the accepted forms.
    """
