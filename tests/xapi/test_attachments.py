"""Statements with attachments (multipart/mixed), signed statements (JWS), and the alternate
request syntax (POST ?method=... with a form) of the Statements resource."""

import base64
import datetime
import hashlib
import json
import uuid
from urllib.parse import urlencode

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from courses.xapi import multipart
from courses.xapi.models import Statement, StatementAttachment
from tests.xapi.conftest import URL, XAPI

pytestmark = pytest.mark.django_db

SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"
BOUNDARY = "xapi-test-boundary"


def base_statement() -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": "mailto:rick@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-US": "attended"}},
        "object": {"objectType": "Activity", "id": "http://www.example.com/meetings/1"},
    }


def with_file(statement: dict, content: bytes, *, content_type="text/plain", usage="http://example.com/usage") -> dict:
    statement.setdefault("attachments", []).append({
        "usageType": usage, "display": {"en-US": "file"}, "contentType": content_type,
        "length": len(content), "sha2": hashlib.sha256(content).hexdigest(),
    })
    return statement


def body_of(statements, parts, *, first_type="application/json", encoding="binary") -> bytes:
    chunks = [f"--{BOUNDARY}\r\nContent-Type: {first_type}\r\n\r\n".encode(),
              json.dumps(statements).encode(), b"\r\n"]
    for content, sha2 in parts:
        headers = "Content-Type: text/plain\r\n"
        if encoding:
            headers += f"Content-Transfer-Encoding: {encoding}\r\n"
        if sha2:
            headers += f"X-Experience-API-Hash: {sha2}\r\n"
        chunks += [f"--{BOUNDARY}\r\n{headers}\r\n".encode(), content, b"\r\n"]
    chunks.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks)


def post_multipart(client, auth, body: bytes, boundary: str = BOUNDARY):
    return client.post(URL, body, content_type=f"multipart/mixed; boundary={boundary}", **XAPI, **auth)


def test_a_statement_with_an_attachment_is_stored_and_given_back_as_multipart(client, lrs_client):
    _client, auth = lrs_client
    content = b"line one\r\nline two \x00\xff binary"
    statement = with_file(base_statement(), content)
    response = post_multipart(client, auth, body_of([statement], [(content, hashlib.sha256(content).hexdigest())]))
    assert response.status_code == 200, response.content
    kept = StatementAttachment.objects.get()
    assert bytes(kept.content) == content and str(kept.statement_id) == statement["id"]

    got = client.get(f"{URL}?statementId={statement['id']}&attachments=true", **XAPI, **auth)
    assert got.status_code == 200 and got["Content-Type"].startswith("multipart/mixed")
    parts = multipart.parse(got.content, multipart.boundary_of(got["Content-Type"]))
    assert json.loads(parts[0].content)["id"] == statement["id"]
    assert parts[1].content == content
    assert parts[1].headers["x-experience-api-hash"] == hashlib.sha256(content).hexdigest()
    listed = client.get(f"{URL}?attachments=true", **XAPI, **auth)
    listed_parts = multipart.parse(listed.content, multipart.boundary_of(listed["Content-Type"]))
    assert "statements" in json.loads(listed_parts[0].content)
    assert client.get(f"{URL}?attachments=false", **XAPI, **auth)["Content-Type"] == "application/json"


@pytest.mark.parametrize("problem", [
    "missing part", "extra part", "wrong hash", "no hash header", "not binary", "first not json",
    "no boundary", "no closing", "json without the file",
])
def test_malformed_attachments_are_400_and_store_nothing(client, lrs_client, problem):
    _client, auth = lrs_client
    content = b"hello"
    sha2 = hashlib.sha256(content).hexdigest()
    statement = with_file(base_statement(), content)
    boundary = BOUNDARY
    if problem == "missing part":
        body = body_of([statement], [])
    elif problem == "extra part":
        body = body_of([statement], [(content, sha2), (b"more", hashlib.sha256(b"more").hexdigest())])
    elif problem == "wrong hash":
        body = body_of([statement], [(b"other", sha2)])
    elif problem == "no hash header":
        body = body_of([statement], [(content, "")])
    elif problem == "not binary":
        body = body_of([statement], [(content, sha2)], encoding="")
    elif problem == "first not json":
        body = body_of([statement], [(content, sha2)], first_type="text/plain")
    elif problem == "no boundary":
        response = client.post(URL, body_of([statement], [(content, sha2)]), content_type="multipart/mixed",
                               **XAPI, **auth)
        assert response.status_code == 400
        assert not Statement.objects.exists()
        return
    elif problem == "no closing":
        body = body_of([statement], [(content, sha2)]).rsplit(f"--{BOUNDARY}--".encode(), 1)[0]
    else:
        response = client.post(URL, json.dumps(statement), content_type="application/json", **XAPI, **auth)
        assert response.status_code == 400
        assert not Statement.objects.exists()
        return
    response = post_multipart(client, auth, body, boundary)
    assert response.status_code == 400, response.content
    assert response.json()["error"]
    assert not Statement.objects.exists() and not StatementAttachment.objects.exists()


def test_an_attachment_with_a_file_url_needs_no_part(client, lrs_client):
    _client, auth = lrs_client
    statement = with_file(base_statement(), b"elsewhere")
    statement["attachments"][0]["fileUrl"] = "http://example.com/file.txt"
    response = client.post(URL, json.dumps(statement), content_type="application/json", **XAPI, **auth)
    assert response.status_code == 200


# ---- signed statements ---------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def signer():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test signer")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    return key, base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


def jws(payload: dict | str, key, *, alg="RS256", x5c=None) -> bytes:
    header = {"alg": alg}
    if x5c:
        header["x5c"] = [x5c]
    text = payload if isinstance(payload, str) else json.dumps(payload)
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(text.encode())}".encode()
    hash_for = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512(),
                "HS256": hashes.SHA256()}[alg]
    signature = key.sign(signing_input, padding.PKCS1v15(), hash_for)
    return signing_input + b"." + _b64(signature).encode()


def post_signed(client, auth, statement: dict, signature: bytes, *, content_type="application/octet-stream"):
    signed = with_file(statement, signature, content_type=content_type, usage=SIGNATURE)
    return post_multipart(client, auth, body_of([signed], [(signature, hashlib.sha256(signature).hexdigest())]))


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_a_signed_statement_is_accepted(client, lrs_client, signer, alg):
    _client, auth = lrs_client
    key, certificate = signer
    statement = base_statement()
    response = post_signed(client, auth, statement, jws(statement, key, alg=alg, x5c=certificate))
    assert response.status_code == 200, response.content
    assert Statement.objects.filter(pk=statement["id"]).exists()


@pytest.mark.parametrize("problem", ["other alg", "other statement", "not json", "not a jws",
                                     "bad content type", "wrong certificate"])
def test_a_bad_signature_is_400(client, lrs_client, signer, problem):
    _client, auth = lrs_client
    key, certificate = signer
    statement = base_statement()
    content_type = "application/octet-stream"
    if problem == "other alg":
        signature = jws(statement, key, alg="HS256")
    elif problem == "other statement":
        signature = jws({**statement, "verb": {"id": "http://example.com/other"}}, key)
    elif problem == "not json":
        signature = jws(json.dumps(statement).replace('"', "'", 1), key)
    elif problem == "not a jws":
        signature = b"not.a-jws"
    elif problem == "bad content type":
        signature, content_type = jws(statement, key), "text/plain"
    else:
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        signature = jws(statement, stranger, x5c=certificate)
    response = post_signed(client, auth, statement, signature, content_type=content_type)
    assert response.status_code == 400, response.content
    assert not Statement.objects.exists()


# ---- alternate request syntax ----------------------------------------------------------------

def form(**fields) -> str:
    return urlencode(fields)


def test_alternate_syntax_put_and_get(client, lrs_client):
    _client, auth = lrs_client
    statement = base_statement()
    statement_id = statement.pop("id")
    response = client.post(f"{URL}?method=PUT", form(
        statementId=statement_id, content=json.dumps(statement), Authorization=auth["HTTP_AUTHORIZATION"],
        **{"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"},
    ), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 204, response.content
    assert Statement.objects.filter(pk=statement_id).exists()
    got = client.post(f"{URL}?method=GET", form(statementId=statement_id), content_type="application/x-www-form-urlencoded",
                      **XAPI, **auth)
    assert got.status_code == 200 and got.json()["id"] == statement_id


@pytest.mark.parametrize("case", ["extra query", "not a form", "not post", "old version", "unknown method"])
def test_alternate_syntax_refusals(client, lrs_client, case):
    _client, auth = lrs_client
    statement = base_statement()
    fields = {"statementId": statement["id"], "content": json.dumps(statement)}
    address, method, content_type = f"{URL}?method=PUT", "post", "application/x-www-form-urlencoded"
    if case == "extra query":
        address += f"&statementId={statement['id']}"
    elif case == "not a form":
        content_type = "application/json"
    elif case == "not post":
        method = "put"
    elif case == "old version":
        fields["X-Experience-API-Version"] = "0.8"
    else:
        address = f"{URL}?method=PATCH"
    response = getattr(client, method)(address, form(**fields), content_type=content_type, **XAPI, **auth)
    assert response.status_code == 400
    assert not Statement.objects.exists()


def test_alternate_syntax_with_a_session_still_needs_csrf(learner):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    response = strict.post(f"{URL}?method=PUT", form(statementId=str(uuid.uuid4()), content="{}"),
                           content_type="application/x-www-form-urlencoded", **XAPI)
    assert response.status_code == 403
