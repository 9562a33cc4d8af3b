"""A real SMTP server (aiosmtpd) on a free local port, that a test can stop and start."""

import email
import email.policy
import socket

from aiosmtpd.controller import Controller


class Inbox:
    """What the SMTP server received: recipients, subject and the raw message, in order."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        text = envelope.content.decode("utf8", errors="replace")
        subject = next((line[9:] for line in text.splitlines() if line.startswith("Subject: ")), "")
        self.messages.append({"to": list(envelope.rcpt_tos), "subject": subject, "raw": text})
        return "250 Message accepted for delivery"

    def parts(self, index=-1):
        """(plain text, HTML) of a received message, decoded."""
        message = email.message_from_string(
            self.messages[index]["raw"], policy=email.policy.default
        )
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",))
        return text, html.get_content() if html else ""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailServer:
    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
        # Nothing listens now: a connection is refused at once.
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", self.port)) != 0

    def configure(self, settings):
        """Point Django's SMTP backend at this server (pytest-django's `settings`)."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = self.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
