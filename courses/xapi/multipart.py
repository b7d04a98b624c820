"""multipart/mixed bodies of the Statements resource (xAPI 1.0.3, Communication 1.5.2): statements
with their attachments in, statement results with attachments out.

Written by hand (about 60 lines): Django's MultiPartParser reads only multipart/form-data (every
part needs a Content-Disposition name) and the standard library's email parser is made for mail,
not for binary HTTP bodies. The parser is bounded (the body is already limited by the view; at most
MAX_PARTS parts, MAX_HEADER_BYTES of headers a part).
"""

import re
import secrets
from dataclasses import dataclass

MAX_PARTS = 100
MAX_HEADER_BYTES = 4096
_BOUNDARY = re.compile(r';\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^";\s]{1,70}))', re.IGNORECASE)


class MultipartError(ValueError):
    pass


@dataclass
class Part:
    headers: dict[str, str]  # lower-case names
    content: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def boundary_of(content_type: str) -> str:
    match = _BOUNDARY.search(content_type)
    if not match:
        raise MultipartError("no boundary")
    return match.group(1) or match.group(2)


def parse(body: bytes, boundary: str) -> list[Part]:
    """The parts of a multipart body, in order; MultipartError when it is not well formed."""
    pieces = (b"\r\n" + body).split(b"\r\n--" + boundary.encode("latin-1"))
    if len(pieces) < 3:
        raise MultipartError("no parts")
    parts = []
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            return parts
        if len(parts) >= MAX_PARTS:
            raise MultipartError("too many parts")
        line_end = piece.find(b"\r\n")
        if line_end < 0 or piece[:line_end].strip(b" \t"):
            raise MultipartError("bad delimiter line")
        piece = piece[line_end + 2:]
        if piece.startswith(b"\r\n"):
            head, content = b"", piece[2:]
        else:
            head, separator, content = piece.partition(b"\r\n\r\n")
            if not separator:
                raise MultipartError("no blank line after the part's headers")
        if len(head) > MAX_HEADER_BYTES:
            raise MultipartError("part headers too long")
        headers = {}
        for line in head.split(b"\r\n") if head else []:
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon or not name.strip():
                raise MultipartError("bad part header")
            headers[name.strip().lower()] = value.strip()
        parts.append(Part(headers=headers, content=content))
    raise MultipartError("no closing delimiter")


def build(first: bytes, attachments: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/mixed body: `first` as application/json, then each (sha2, content type, bytes).
    Returns the body and its Content-Type header."""
    boundary = "sangkat-" + secrets.token_hex(16)
    chunks = [b"--", boundary.encode(), b"\r\nContent-Type: application/json\r\n\r\n", first, b"\r\n"]
    for sha2, content_type, content in attachments:
        chunks += [
            b"--", boundary.encode(), b"\r\nContent-Type: ", content_type.encode("latin-1", "replace"),
            b"\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: ", sha2.encode(), b"\r\n\r\n",
            content, b"\r\n",
        ]
    chunks += [b"--", boundary.encode(), b"--\r\n"]
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'
