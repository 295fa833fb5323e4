"""How the IMAP source talks about failures: imapclient/imaplib/ssl/socket errors mapped
onto the ingest error tree."""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Iterator

from imapclient import exceptions as imap_exc

from ingest.errors import (
    SourceAuthError,
    SourceConnectError,
    SourceError,
    SourceProtocolError,
    SourceTimeout,
)


@contextlib.contextmanager
def mapped_errors(what: str, host: str) -> Iterator[None]:
    """Translate imapclient, imaplib, ssl and socket errors into the ingest error tree.

    Order matters: LoginError and the abort error are subclasses of imaplib's generic
    error, and TimeoutError and SSLError are subclasses of OSError.
    """
    try:
        yield
    except SourceError:
        raise
    except imap_exc.LoginError as e:
        raise SourceAuthError(f"{host}: login refused during {what}: {e}") from e
    except TimeoutError as e:  # socket.timeout is TimeoutError since Python 3.10
        raise SourceTimeout(f"{host}: timed out during {what}") from e
    except ssl.SSLError as e:
        raise SourceConnectError(f"{host}: TLS failure during {what}: {e}") from e
    except socket.gaierror as e:
        raise SourceConnectError(f"{host}: cannot resolve host: {e}") from e
    except OSError as e:
        raise SourceConnectError(f"{host}: connection failed during {what}: {e}") from e
    except imap_exc.IMAPClientAbortError as e:
        # imaplib raises "abort" when the socket closed or the server said BYE.
        raise SourceConnectError(f"{host}: connection lost during {what}: {e}") from e
    except imap_exc.CapabilityError as e:
        raise SourceProtocolError(f"{host}: server lacks a capability for {what}: {e}") from e
    except imap_exc.IMAPClientError as e:
        raise SourceProtocolError(f"{host}: server refused {what}: {e}") from e
    except (ValueError, IndexError, KeyError) as e:
        # imaplib/imapclient response parsing failed: a reply outside the grammar.
        raise SourceProtocolError(f"{host}: unparseable response during {what}: {e}") from e
