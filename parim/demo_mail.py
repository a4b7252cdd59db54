"""`make run`'s email backend: each email printed for a person to read (From, To, Subject and
the text body as written), not as a MIME message with encoded headers and transfer encodings."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from email.mime.base import MIMEBase
from typing import IO, Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

RULE = "-" * 72


def as_text(message: EmailMessage) -> str:
    """The email as a reader sees it: the addresses, the subject, the body (the plain-text
    part), and the names of any attachments."""
    lines = [f"From:    {message.from_email}", f"To:      {', '.join(message.to)}"]
    if message.cc:
        lines.append(f"Cc:      {', '.join(message.cc)}")
    if message.reply_to:
        lines.append(f"Reply-To: {', '.join(message.reply_to)}")
    lines += [f"Subject: {message.subject}", "", str(message.body).rstrip()]
    if message.attachments:
        lines += ["", "Attached: " + ", ".join(_name(item) for item in message.attachments)]
    return "\n".join(lines)


def _name(attachment: Any) -> str:
    if isinstance(attachment, MIMEBase):
        return str(attachment.get_filename() or "attachment")
    return str(attachment[0] or "attachment")  # (filename, content, mimetype)


class ConsoleEmailBackend(BaseEmailBackend):
    """Writes each email to stdout between two rules, whole, one at a time (threads of a
    gunicorn worker may send at once)."""

    def __init__(self, *args: Any, stream: IO[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        with self._lock:
            for message in email_messages:
                if not message.recipients():
                    continue
                self.stream.write(f"{RULE}\nEmail\n{as_text(message)}\n{RULE}\n")
                self.stream.flush()
                sent += 1
        return sent
