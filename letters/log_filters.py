"""Keep client-link tokens out of the logs.

Django's request logger ("Not Found: /l/<token>/") and the development server's
access log ('"GET /l/<token>/ HTTP/1.1" 302') print the request path, and the
path of a client link is its secret. This filter rewrites every string in a log
record so that the token part reads "[redacted]". It is loaded by the LOGGING
setting before the apps are ready, so it imports nothing from Django.
"""

import logging
import re

# The prefix of letters:client_link (letters/client_urls.py, mounted at "l/").
# Everything after /l/ up to the end of the path (extra segments and a query string too).
LINK_PATH = re.compile(r"(/l/)[^\s\"']+")
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    return LINK_PATH.sub(REDACTED, text)


class RedactLinkTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True
