"""Signed statements (xAPI 1.0.3, Data 2.6): the JWS attached to a statement is checked before the
statement is stored.

A signature attachment has usageType SIGNATURE and contentType application/octet-stream; its bytes
are a JWS in compact serialisation whose header names RS256, RS384 or RS512 and whose payload is
the statement as it was before the signature was attached (compared like re-sent statements are:
validation.signature_of, attachments left out). When the JWS header carries the signer's
certificate (x5c), the signature is verified with its public key (cryptography); without one there
is no key to verify with, and the LRS stores the statement as the spec allows.
"""

import base64
import binascii
import hashlib

from django.utils.translation import gettext as _

from cms.jsonchecks import UntrustedJSONError, loads_bounded
from courses.xapi.validation import InvalidStatement, signature_of

SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"
ALGORITHMS = {"RS256": "SHA256", "RS384": "SHA384", "RS512": "SHA512"}
MAX_JWS_BYTES = 256 * 1024


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _without_attachments(statement: dict) -> dict:
    return {key: value for key, value in statement.items() if key != "attachments"}


def check(statement: dict, parts: dict[str, tuple[str, bytes]], *, index: int) -> None:
    """Raise InvalidStatement when the statement carries a signature attachment that is not a
    well-formed RS256/384/512 JWS of this very statement (or whose x5c certificate disproves it)."""
    declared = statement.get("attachments")
    signatures = [attachment for attachment in (declared if isinstance(declared, list) else [])
                  if isinstance(attachment, dict) and attachment.get("usageType") == SIGNATURE]
    if not signatures:
        return
    if len(signatures) > 1:
        raise InvalidStatement(_("A statement can carry one signature."), index=index)
    attachment = signatures[0]
    if str(attachment.get("contentType", "")).split(";", 1)[0].strip().lower() != "application/octet-stream":
        raise InvalidStatement(_("A signature attachment must be application/octet-stream."), index=index)
    sent = parts.get(str(attachment.get("sha2", "")).lower())
    if sent is None or len(sent[1]) > MAX_JWS_BYTES:
        raise InvalidStatement(_("The signature attachment's data was not sent."), index=index)
    try:
        header_text, payload_text, signature_text = sent[1].decode("ascii").strip().split(".")
        header = loads_bounded(_b64url(header_text), max_bytes=MAX_JWS_BYTES)
        payload = loads_bounded(_b64url(payload_text), max_bytes=MAX_JWS_BYTES)
        signature = _b64url(signature_text)
    except (UnicodeDecodeError, ValueError, binascii.Error, UntrustedJSONError):
        raise InvalidStatement(_("The signature is not a JSON web signature."), index=index) from None
    if not isinstance(header, dict) or header.get("alg") not in ALGORITHMS:
        raise InvalidStatement(_("A signature must use RS256, RS384 or RS512."), index=index)
    if not isinstance(payload, dict) or not _same_statement(payload, statement):
        raise InvalidStatement(_("The signature was not made for this statement."), index=index)
    if header.get("x5c") is not None:
        _verify(header, f"{header_text}.{payload_text}".encode("ascii"), signature, index=index)


def _same_statement(payload: dict, statement: dict) -> bool:
    try:
        signed = dict(payload)
        signed.setdefault("id", statement.get("id"))
        return signature_of(_without_attachments(signed)) == signature_of(_without_attachments(statement))
    except (KeyError, TypeError, ValueError, AttributeError):
        return False


def _verify(header: dict, signing_input: bytes, signature: bytes, *, index: int) -> None:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    chain = header["x5c"]
    try:
        if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
            raise ValueError
        certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True))
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError
        key.verify(signature, signing_input, padding.PKCS1v15(), getattr(hashes, ALGORITHMS[header["alg"]])())
    except (ValueError, TypeError, binascii.Error, InvalidSignature):
        raise InvalidStatement(_("The signature does not verify with its certificate."), index=index) from None


def digest_matches(sha2: str, content: bytes) -> bool:
    """True when `sha2` (hex SHA-224/256/384/512, told apart by length) is the hash of `content`."""
    algorithm = {56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}.get(len(sha2))
    return algorithm is not None and hashlib.new(algorithm, content).hexdigest() == sha2.lower()


