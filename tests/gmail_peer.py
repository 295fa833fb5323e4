"""A small scripted IMAP server that answers like Gmail (X-GM-EXT-1), for the Gmail
branch of the IMAP source: Dovecot has no X-GM-MSGID or X-GM-LABELS, and Gmail itself is
out of reach. It speaks the subset of IMAP4rev1 tinbai uses — CAPABILITY, LOGIN, SELECT,
UID SEARCH, UID FETCH (RFC822.SIZE, BODY.PEEK[], INTERNALDATE, X-GM-MSGID), UID STORE
±X-GM-LABELS, LIST, CREATE, SUBSCRIBE, NOOP, LOGOUT — over a real socket, so imapclient
and imaplib run unchanged. Every command received is kept in ``commands``.
"""

from __future__ import annotations

import re
import shlex
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

Send = Callable[[str | bytes], None]

CAPABILITIES = "IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 UIDPLUS " \
    "COMPRESS=DEFLATE ENABLE MOVE CONDSTORE ESEARCH UTF8=ACCEPT LIST-EXTENDED LIST-STATUS " \
    "LITERAL- SPECIAL-USE APPENDLIMIT=35651584"


@dataclass
class GmailMessage:
    uid: int
    raw: bytes
    msgid: int
    labels: set[str] = field(default_factory=lambda: {"\\Inbox"})


class GmailPeer:
    """The server: ``add(raw)``, ``renumber()`` (a new UIDVALIDITY, same X-GM-MSGIDs)."""

    def __init__(self, user: str = "toasoan@gmail.com", password: str = "app-password") -> None:
        self.user, self.password = user, password
        self.uidvalidity = 11
        self.messages: list[GmailMessage] = []
        self.folders = {"INBOX", "[Gmail]/All Mail"}
        self.commands: list[str] = []
        self.lock = threading.Lock()
        self._next_msgid = 1_700_000_000_000_000_000
        peer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                peer._session(self)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self) -> str:
        return f"imap://{self.user.replace('@', '%40')}@127.0.0.1:{self.port}/INBOX"

    def add(self, raw: bytes) -> GmailMessage:
        with self.lock:
            uid = max((m.uid for m in self.messages), default=0) + 1
            self._next_msgid += 7919  # increasing, not contiguous, as Gmail's are
            message = GmailMessage(uid, raw, self._next_msgid)
            self.messages.append(message)
            return message

    def renumber(self) -> None:
        """Gmail renumbered the folder: new UIDVALIDITY and UIDs, same X-GM-MSGIDs."""
        with self.lock:
            self.uidvalidity += 1
            for number, message in enumerate(self.messages, start=1):
                message.uid = 100 + number

    # -- the protocol --------------------------------------------------------------------

    def _session(self, conn: socketserver.StreamRequestHandler) -> None:
        def send(text: str | bytes) -> None:
            conn.wfile.write(text if isinstance(text, bytes) else text.encode() + b"\r\n")

        send(f"* OK [CAPABILITY {CAPABILITIES}] Gimap ready for requests")
        while True:
            line = conn.rfile.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            with self.lock:
                self.commands.append(text)
            tag, _, rest = text.partition(" ")
            verb, _, args = rest.partition(" ")
            verb = verb.upper()
            if verb == "UID":
                verb2, _, args = args.partition(" ")
                verb = f"UID {verb2.upper()}"
            handler = getattr(self, "_" + verb.replace(" ", "_").lower(), None)
            if handler is None:
                send(f"{tag} BAD Unknown command {verb}")
                continue
            with self.lock:
                done = handler(tag, args, send)
            if done == "bye":
                return

    def _capability(self, tag: str, args: str, send: Send) -> None:
        send(f"* CAPABILITY {CAPABILITIES}")
        send(f"{tag} OK Thats all she wrote!")

    def _login(self, tag: str, args: str, send: Send) -> None:
        user, password = shlex.split(args)
        ok = (user, password) == (self.user, self.password)
        send(f"{tag} OK {self.user} authenticated (Success)" if ok
             else f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)")

    def _noop(self, tag: str, args: str, send: Send) -> None:
        send(f"{tag} OK Success")

    def _logout(self, tag: str, args: str, send: Send) -> str:
        send("* BYE LOGOUT Requested")
        send(f"{tag} OK 73 good day (Success)")
        return "bye"

    def _select(self, tag: str, args: str, send: Send) -> None:
        out = send
        out(f"* {len(self.messages)} EXISTS")
        out("* 0 RECENT")
        out(f"* OK [UIDVALIDITY {self.uidvalidity}] UIDs valid.")
        nxt = max((m.uid for m in self.messages), default=0) + 1
        out(f"* OK [UIDNEXT {nxt}] Predicted next UID.")
        out(f"{tag} OK [READ-WRITE] INBOX selected. (Success)")

    def _list(self, tag: str, args: str, send: Send) -> None:
        pattern = shlex.split(args)[-1]
        for folder in sorted(self.folders):
            if folder == pattern or pattern in ("*", "%"):
                send(f'* LIST (\\HasNoChildren) "/" "{folder}"')
        send(f"{tag} OK Success")

    def _create(self, tag: str, args: str, send: Send) -> None:
        self.folders.add(shlex.split(args)[0])
        send(f"{tag} OK Success")

    def _subscribe(self, tag: str, args: str, send: Send) -> None:
        send(f"{tag} OK Success")

    def _uids(self, spec: str) -> list[GmailMessage]:
        top = max((m.uid for m in self.messages), default=0)
        wanted: set[int] = set()
        for part in spec.split(","):
            low, _, high = part.partition(":")
            first = top if low == "*" else int(low)
            last = first if not high else (top if high == "*" else int(high))
            wanted.update(range(min(first, last), max(first, last) + 1))
        return [m for m in self.messages if m.uid in wanted]

    def _uid_search(self, tag: str, args: str, send: Send) -> None:
        match = re.search(r"UID (\S+)", args)
        found = self._uids(match.group(1)) if match else self.messages
        send("* SEARCH " + " ".join(str(m.uid) for m in found))
        send(f"{tag} OK SEARCH completed (Success)")

    def _uid_fetch(self, tag: str, args: str, send: Send) -> None:
        spec, _, items = args.partition(" ")
        items = items.upper()
        for number, message in enumerate(self.messages, start=1):
            if message not in self._uids(spec):
                continue
            parts = [f"UID {message.uid}"]
            if "X-GM-MSGID" in items:
                parts.append(f"X-GM-MSGID {message.msgid}")
            if "RFC822.SIZE" in items:
                parts.append(f"RFC822.SIZE {len(message.raw)}")
            if "INTERNALDATE" in items:
                parts.append('INTERNALDATE "01-Dec-2026 09:30:00 +0700"')
            head = f"* {number} FETCH (" + " ".join(parts)
            if "BODY.PEEK[]" in items:
                send(f"{head} BODY[] {{{len(message.raw)}}}\r\n".encode()
                     + message.raw + b")\r\n")
            else:
                send(head + ")")
        send(f"{tag} OK Success")

    def _uid_store(self, tag: str, args: str, send: Send) -> None:
        spec, _, rest = args.partition(" ")
        action, _, values = rest.partition(" ")
        names = shlex.split(values.strip().strip("()"))
        for message in self._uids(spec):
            if action.upper().startswith("+X-GM-LABELS"):
                message.labels.update(names)
            elif action.upper().startswith("-X-GM-LABELS"):
                message.labels.difference_update(names)
        send(f"{tag} OK Success")
