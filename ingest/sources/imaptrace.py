"""imaplib's protocol trace, off unless someone is diagnosing a server.

Why a module of its own: it is a measured performance fix (benchmarks/poll.py), not IMAP
logic, and the benchmark turns it on and off to compare.
"""

from __future__ import annotations

import logging

from imapclient import IMAPClient

_IMAPLIB_LOGGER = logging.getLogger("imapclient.imaplib")


def quiet_protocol_trace(client: IMAPClient) -> None:
    """Turn imaplib's protocol trace off unless its logger would print it.

    imapclient sets ``imaplib.IMAP4.debug = 5`` and routes the trace to the
    ``imapclient.imaplib`` logger, but imaplib formats each trace line before the logger
    can drop it: the ``repr()`` of every fetched literal, twice per message. For a 5 MB
    photo mail that is about 90 ms of CPU with the GIL held, ten times the cost of
    receiving it (benchmarks/poll.py). With DEBUG logging on for that logger the trace
    stays, for diagnosing a server.
    """
    if not _IMAPLIB_LOGGER.isEnabledFor(logging.DEBUG):
        client._imap.debug = 0
