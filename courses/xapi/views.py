"""The xAPI 1.0.3 Statements resource at /xapi/statements: parse the request, call the store, answer JSON."""

import re
from functools import wraps
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.http import HttpResponse, JsonResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from cms.jsonchecks import MAX_DEPTH, UntrustedJSONError, loads_bounded
from courses.xapi import documents, multipart, selectors, services, signatures
from courses.xapi.auth import Unauthenticated, csrf_failure, over_rate_limit, requester_of
from courses.xapi.validation import (
    InvalidStatement,
    agent_key,
    is_iri,
    parse_timestamp,
    valid_agent,
)

VERSION = "1.0.3"
GET_PARAMETERS = {
    "statementId", "voidedStatementId", "agent", "verb", "activity", "registration", "since", "until",
    "limit", "ascending", "format", "attachments", "related_activities", "related_agents", "cursor",
}
SINGLE_PARAMETERS = {"statementId", "voidedStatementId", "format", "attachments"}
MAX_AGENT_BYTES = 4096  # the "agent" filter: one Agent or Group, in a query string


class BadRequest(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _cors(response):
    """Content launched in an opaque-origin sandbox (a cmi5 AU) calls the LRS cross-origin with its
    own Basic credential. "*" never lets a browser send cookies, so a session is never used this way."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = (
        "ETag, Last-Modified, X-Experience-API-Version, X-Experience-API-Consistent-Through")
    return response


def _error(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _xapi_headers(view):
    """Every answer names the xAPI version; every request must name a 1.0.x version."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = _cors(HttpResponse(status=204))
            response["Access-Control-Allow-Methods"] = "GET, HEAD, POST, PUT, DELETE"
            response["Access-Control-Allow-Headers"] = (
                "Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match")
            response["Access-Control-Max-Age"] = "600"
            return response
        problem = _alternate_syntax(request) if "method" in request.GET else None
        version = request.META.get("HTTP_X_EXPERIENCE_API_VERSION", "")
        if problem:
            response = _error(400, problem)
        elif not version:
            response = _error(400, _("The X-Experience-API-Version header is missing."))
        elif not (version == "1.0" or version.startswith("1.0.")):
            response = _error(400, _("Only xAPI version 1.0.x is supported here."))
        else:
            response = view(request, *args, **kwargs)
        response["X-Experience-API-Version"] = VERSION
        _cors(response)
        # LocaleMiddleware turns any 404 on an unprefixed path into a redirect to /en/... when
        # that path exists there (Wagtail's catch-all always does). A statement that is not found
        # must stay a JSON 404: judge this request by a URLconf without language prefixes.
        request.urlconf = "courses.xapi.urls"
        return response

    return wrapped


# Form fields of the alternate request syntax that stand for headers (xAPI 1.0.3, Communication 1.3).
_HEADER_FIELDS = {
    "authorization": "HTTP_AUTHORIZATION", "x-experience-api-version": "HTTP_X_EXPERIENCE_API_VERSION",
    "content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH", "if-match": "HTTP_IF_MATCH",
    "if-none-match": "HTTP_IF_NONE_MATCH",
}
_ALTERNATE_METHODS = {"GET", "HEAD", "PUT", "POST", "DELETE"}


def _alternate_syntax(request) -> str:
    """Turn a request in the alternate syntax (POST ?method=PUT with a form: headers, parameters
    and `content` as form fields) into the request it stands for; returns a message when it is
    not one (400), else "". Only `method` may be in the query string; the form is bounded by
    Django's DATA_UPLOAD_MAX_MEMORY_SIZE and DATA_UPLOAD_MAX_NUMBER_FIELDS."""
    if request.method != "POST":
        return _("The alternate request syntax (a “method” parameter) must be sent as POST.")
    if set(request.GET) != {"method"} or request.GET["method"].upper() not in _ALTERNATE_METHODS:
        return _("With the alternate request syntax, the query string has only “method” (GET, HEAD, "
                 "PUT, POST or DELETE); everything else goes in the form.")
    content_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return _("The alternate request syntax is a form: application/x-www-form-urlencoded.")
    form = request.POST
    method = request.GET["method"].upper()
    query = QueryDict(mutable=True)
    content = ""
    request.META.pop("CONTENT_TYPE", None)
    for name, values in form.lists():
        header = _HEADER_FIELDS.get(name.lower())
        if header:
            request.META[header] = values[-1]
        elif name == "content":
            content = values[-1]
        else:
            query.setlist(name, values)
    body = content.encode("utf-8")
    request.META["CONTENT_LENGTH"] = str(len(body))
    if body:
        request.META.setdefault("CONTENT_TYPE", "application/json")
    request._body = body
    request._post = QueryDict()
    request.GET = query
    request.method = method
    request.META["REQUEST_METHOD"] = method
    return ""


@csrf_exempt
def about(request):
    """The About resource: which xAPI versions this LRS speaks. Public, and like the spec asks,
    it does not judge the request's X-Experience-API-Version header (Communication 2.8)."""
    if request.method not in ("GET", "HEAD"):
        response = _error(405, _("This method is not allowed here."))
        response["Allow"] = "GET, HEAD"
    else:
        response = JsonResponse({"version": [VERSION], "extensions": {}})
        if request.method == "HEAD":
            response.content = b""
    response["X-Experience-API-Version"] = VERSION
    return response


@csrf_exempt  # Basic-authenticated clients carry no CSRF token; session writes are checked below.
@_xapi_headers
def statements(request):
    # Taken before reading: every statement stored up to now is in what this request sees. The
    # header is on every answer, errors included (xAPI 1.0.3, Communication 2.1.3, XAPI-00153).
    now = timezone.now()
    response = _statements(request)
    response["X-Experience-API-Consistent-Through"] = now.isoformat()
    return response


def _statements(request):
    if request.method not in ("GET", "HEAD", "POST", "PUT"):
        response = _error(405, _("This method is not allowed here."))
        response["Allow"] = "GET, HEAD, POST, PUT"
        return response
    requester = _gate(request)
    if isinstance(requester, HttpResponse):
        return requester
    try:
        if request.method in ("GET", "HEAD"):
            response = _get(request, requester)
            if request.method == "HEAD":
                response.content = b""
            return response
        if request.method == "POST":
            if request.GET:
                raise BadRequest(_("POST with query parameters (the alternate request syntax) is not supported."))
            statements, attachments = _statements_body(request)
            ids = services.store_statements(statements=statements, requester=requester, attachments=attachments)
            return JsonResponse(ids, safe=False)
        return _put(request, requester)
    except (BadRequest, InvalidStatement) as problem:
        extra = {"statement": problem.index} if getattr(problem, "index", None) is not None else {}
        return _error(400, problem.message, **extra)
    except _TooLarge:
        return _error(413, _("The request is too large (at most %(size)s KB).")
                      % {"size": settings.SANGKAT_XAPI_MAX_BODY_BYTES // 1024})
    except services.NotAllowed as problem:
        return _error(403, problem.message)
    except services.StatementConflict as problem:
        return _error(409, problem.message)


def _gate(request):
    """The requester, or the answer to send instead (401, 403 for a session write without CSRF, 429)."""
    try:
        requester = requester_of(request)
    except Unauthenticated:
        response = _error(401, _("Log in, or send the credentials of a learning record client."))
        response["WWW-Authenticate"] = 'Basic realm="Sangkat LRS"'
        return response
    if (request.method in ("POST", "PUT", "DELETE") and requester.client is None
            and requester.launch is None and csrf_failure(request)):
        return _error(403, _("Your session has expired. Please reload the page."))
    wait = over_rate_limit(requester)
    if wait:
        response = _error(429, _("Too many requests. Please wait a minute and try again."))
        response["Retry-After"] = str(wait)
        return response
    return requester


class _TooLarge(Exception):
    pass


def _reject_constant(name):
    raise ValueError(name)


def _body(request):
    content_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        raise BadRequest(_("Send statements as application/json, or as multipart/mixed with attachments."))
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if (not re.fullmatch(r"[0-9]{1,12}", declared)
            or int(declared) > settings.SANGKAT_XAPI_MAX_BODY_BYTES):
        raise _TooLarge
    try:
        return loads_bounded(request.body, max_bytes=settings.SANGKAT_XAPI_MAX_BODY_BYTES,
                             parse_constant=_reject_constant)
    except UntrustedJSONError:
        raise BadRequest(
            _("The request body is not valid JSON, or nests lists and objects more than %(depth)s "
              "levels deep.") % {"depth": MAX_DEPTH}
        ) from None


def _statements_body(request) -> tuple[object, dict[str, tuple[str, bytes]]]:
    """The statements of a POST/PUT, and the attachments sent with them (multipart/mixed) by hash."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.split(";", 1)[0].strip().lower() != "multipart/mixed":
        return _body(request), {}
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if (not re.fullmatch(r"[0-9]{1,12}", declared)
            or int(declared) > settings.SANGKAT_XAPI_MAX_BODY_BYTES):
        raise _TooLarge
    try:
        parts = multipart.parse(request.body, multipart.boundary_of(content_type))
    except multipart.MultipartError:
        raise BadRequest(_("The multipart/mixed body is not well formed (boundary, part headers).")) from None
    if not parts or parts[0].content_type != "application/json":
        raise BadRequest(_("The first part of a multipart/mixed request must be the statements, as "
                           "application/json."))
    attachments = {}
    for part in parts[1:]:
        sha2 = part.headers.get("x-experience-api-hash", "").lower()
        if not sha2 or part.headers.get("content-transfer-encoding", "").lower() != "binary":
            raise BadRequest(_("Each attachment part needs X-Experience-API-Hash and "
                               "Content-Transfer-Encoding: binary headers."))
        if not signatures.digest_matches(sha2, part.content):
            raise BadRequest(_("An attachment's X-Experience-API-Hash is not the SHA-2 of its data."))
        attachments[sha2] = (part.headers.get("content-type", "application/octet-stream")[:255], part.content)
    try:
        statements = loads_bounded(parts[0].content, max_bytes=settings.SANGKAT_XAPI_MAX_BODY_BYTES,
                                   parse_constant=_reject_constant)
    except UntrustedJSONError:
        raise BadRequest(_("The statements part is not valid JSON.")) from None
    return statements, attachments


def _put(request, requester):
    statement_id = _uuid(request.GET.get("statementId"), "statementId", required=True)
    statement, attachments = _statements_body(request)
    if not isinstance(statement, dict):
        raise BadRequest(_("PUT stores one statement: send a JSON object."))
    if "id" in statement and str(statement["id"]).lower() != str(statement_id):
        raise BadRequest(_("The statement's id does not match the statementId parameter."))
    statement["id"] = str(statement_id)
    services.store_statements(statements=[statement], requester=requester, attachments=attachments)
    return HttpResponse(status=204)


def _uuid(value, name: str, *, required: bool = False) -> UUID | None:
    if value is None or value == "":
        if required:
            raise BadRequest(_("The “%(name)s” parameter is required.") % {"name": name})
        return None
    try:
        return UUID(value)
    except ValueError:
        raise BadRequest(_("“%(name)s” must be a UUID.") % {"name": name}) from None


def _bool(value: str | None, name: str) -> bool:
    if value in (None, "", "false"):
        return False
    if value == "true":
        return True
    raise BadRequest(_("“%(name)s” must be true or false.") % {"name": name})


def _time(value: str | None, name: str):
    if not value:
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        raise BadRequest(_("“%(property)s” must be an ISO 8601 date and time.") % {"property": name}) from None


def _get(request, requester):
    params = request.GET
    unknown = set(params) - GET_PARAMETERS
    if unknown:
        raise BadRequest(_("Unknown parameter: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if params.get("format", "exact") not in ("exact", "ids", "canonical"):
        raise BadRequest(_("“format” must be exact, ids or canonical."))
    with_attachments = _bool(params.get("attachments"), "attachments")
    single = "statementId" in params or "voidedStatementId" in params
    if single:
        if "statementId" in params and "voidedStatementId" in params or set(params) - SINGLE_PARAMETERS:
            raise BadRequest(_("statementId and voidedStatementId cannot be combined with other filters."))
        voided = "voidedStatementId" in params
        statement_id = _uuid(params.get("voidedStatementId" if voided else "statementId"),
                             "voidedStatementId" if voided else "statementId", required=True)
        statement = selectors.statement_by_id(requester=requester, statement_id=statement_id, voided=voided)
        if statement is None:
            return _error(404, _("No such statement."))
        response = JsonResponse(_in_format(request, statement))
    else:
        filters = selectors.StatementFilters(
            agent_key=_agent(params.get("agent")),
            verb=params.get("verb", ""),
            activity=params.get("activity", ""),
            registration=_uuid(params.get("registration"), "registration"),
            since=_time(params.get("since"), "since"),
            until=_time(params.get("until"), "until"),
            ascending=_bool(params.get("ascending"), "ascending"),
            related_activities=_bool(params.get("related_activities"), "related_activities"),
            related_agents=_bool(params.get("related_agents"), "related_agents"),
        )
        page_size = settings.SANGKAT_XAPI_PAGE_SIZE
        limit_text = params.get("limit", "0")
        if not re.fullmatch(r"[0-9]{1,9}", limit_text):  # not "²", not five thousand digits
            raise BadRequest(_("“limit” must be a whole number."))
        limit = min(int(limit_text), page_size) or page_size
        found, cursor = selectors.statements_page(
            requester=requester, filters=filters, limit=limit, cursor=params.get("cursor", "")
        )
        more = ""
        if cursor:
            query = {key: value for key, value in params.items() if key != "cursor"}
            query["cursor"] = cursor
            more = f"{reverse('xapi_statements')}?{urlencode(query)}"
        response = JsonResponse({"statements": [_in_format(request, found_one) for found_one in found],
                                 "more": more})
    if with_attachments:
        shown = [statement] if single else found
        parts = selectors.attachments_of(statement_ids=[one["id"] for one in shown])
        body, content_type = multipart.build(response.content, parts)
        response = HttpResponse(body, content_type=content_type)
    return response


def _in_format(request, statement: dict) -> dict:
    fmt = request.GET.get("format", "exact")
    if fmt == "exact":
        return statement
    languages = selectors.accepted_languages(request.META.get("HTTP_ACCEPT_LANGUAGE", "")[:500])
    return selectors.formatted(statement, fmt, languages)


def _agent(value: str | None) -> str:
    if not value:
        return ""
    try:
        agent = loads_bounded(value, max_bytes=MAX_AGENT_BYTES)
    except UntrustedJSONError:
        agent = None
    key = agent_key(agent)
    if not key:
        raise BadRequest(_("“agent” must be an Agent or identified Group as JSON."))
    return key


# ---- Document resources: /xapi/activities/state, /xapi/activities/profile, /xapi/agents/profile ----

DOCUMENT_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")
MAX_ID_CHARS = 200
MAX_ACTIVITY_ID_CHARS = 1000


def _activity_id(params) -> str:
    value = params.get("activityId")
    if not value:
        raise BadRequest(_("The “%(name)s” parameter is required.") % {"name": "activityId"})
    if len(value) > MAX_ACTIVITY_ID_CHARS or "\x00" in value or not is_iri(value):
        raise BadRequest(_("“activityId” must be an IRI of at most %(count)s characters.")
                         % {"count": MAX_ACTIVITY_ID_CHARS})
    return value


def _agent_object(params) -> dict:
    value = params.get("agent")
    if not value:
        raise BadRequest(_("The “%(name)s” parameter is required.") % {"name": "agent"})
    try:
        agent = loads_bounded(value, max_bytes=MAX_AGENT_BYTES)
    except UntrustedJSONError:
        agent = None
    if not valid_agent(agent):
        raise BadRequest(_("“agent” must be an Agent or identified Group as JSON."))
    return agent


def _document_id(params, name: str, *, required: bool) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise BadRequest(_("The “%(name)s” parameter is required.") % {"name": name})
        return None
    if len(value) > MAX_ID_CHARS or "\x00" in value:
        raise BadRequest(_("“%(name)s” must be at most %(count)s characters.")
                         % {"name": name, "count": MAX_ID_CHARS})
    return value


def _document_body(request) -> str:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not re.fullmatch(r"[0-9]{1,12}", declared) or int(declared) > services.MAX_DOCUMENT_BYTES:
        raise _DocumentTooLarge
    body = request.body
    if len(body) > services.MAX_DOCUMENT_BYTES:
        raise _DocumentTooLarge
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(_("Documents are kept as UTF-8 text: this one is not.")) from None


class _DocumentTooLarge(Exception):
    pass


def _document_resource(request, resource: str):
    if request.method not in DOCUMENT_METHODS:
        response = _error(405, _("This method is not allowed here."))
        response["Allow"] = ", ".join(DOCUMENT_METHODS)
        return response
    requester = _gate(request)
    if isinstance(requester, HttpResponse):
        return requester
    params = request.GET
    id_name = "stateId" if resource == documents.STATE else "profileId"
    try:
        where = documents.address(
            resource=resource,
            activity_id=_activity_id(params) if resource != documents.AGENT_PROFILE else "",
            agent=_agent_object(params) if resource != documents.ACTIVITY_PROFILE else None,
            registration=(_uuid(params.get("registration"), "registration")
                          if resource == documents.STATE else None),
        )
        id_required = request.method in ("PUT", "POST") or (
            request.method == "DELETE" and resource != documents.STATE)
        document_id = _document_id(params, id_name, required=id_required)
        if_match = request.META.get("HTTP_IF_MATCH", "")[:2000]
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH", "")[:2000]
        if request.method in ("GET", "HEAD"):
            response = _get_document(request, requester, where, document_id)
            if request.method == "HEAD":
                response.content = b""
            return response
        if request.method == "DELETE":
            services.delete_documents(requester=requester, where=where, document_id=document_id,
                                      if_match=if_match, if_none_match=if_none_match)
            return HttpResponse(status=204)
        services.save_document(
            requester=requester, where=where, document_id=document_id, document=_document_body(request),
            content_type=request.META.get("CONTENT_TYPE", "")[:255] or "application/octet-stream",
            merge=request.method == "POST", if_match=if_match, if_none_match=if_none_match,
        )
        return HttpResponse(status=204)
    except (BadRequest, services.InvalidDocument) as problem:
        return _error(400, problem.message)
    except _DocumentTooLarge:
        return _error(413, _("The document is too large (at most %(size)s KB).")
                      % {"size": services.MAX_DOCUMENT_BYTES // 1024})
    except services.NotAllowed as problem:
        return _error(403, problem.message)
    except services.PreconditionFailed:
        return _error(412, _("The document has changed since you read it (If-Match / If-None-Match)."))
    except services.DocumentConflict:
        return _error(409, _("This document exists already: send If-Match with its ETag to replace it, "
                             "or If-None-Match: * to create it only if it is new."))


def _get_document(request, requester, where, document_id):
    if document_id is None:
        since = _time(request.GET.get("since"), "since")
        return JsonResponse(selectors.document_ids(requester=requester, where=where, since=since), safe=False)
    found = selectors.document(requester=requester, where=where, document_id=document_id)
    if found is None:
        return _error(404, _("No such document."))
    response = HttpResponse(found.document.encode("utf-8"), content_type=found.content_type)
    response["ETag"] = documents.etag_of(found.document)
    response["Last-Modified"] = http_date(found.updated_at.timestamp())
    return response


@csrf_exempt
@_xapi_headers
def state(request):
    return _document_resource(request, documents.STATE)


@csrf_exempt
@_xapi_headers
def activity_profile(request):
    return _document_resource(request, documents.ACTIVITY_PROFILE)


@csrf_exempt
@_xapi_headers
def agent_profile(request):
    return _document_resource(request, documents.AGENT_PROFILE)


def _read_only_resource(request, answer):
    """GET/HEAD of the Activities and Agents resources."""
    if request.method not in ("GET", "HEAD"):
        response = _error(405, _("This method is not allowed here."))
        response["Allow"] = "GET, HEAD"
        return response
    requester = _gate(request)
    if isinstance(requester, HttpResponse):
        return requester
    try:
        response = answer(requester, request.GET)
    except BadRequest as problem:
        return _error(400, problem.message)
    except services.NotAllowed as problem:
        return _error(403, problem.message)
    if request.method == "HEAD":
        response.content = b""
    return response


def _activity_answer(requester, params):
    return JsonResponse(selectors.activity_object(activity_id=_activity_id(params)))


def _agent_answer(requester, params):
    agent = _agent_object(params)
    if requester.client is None:
        if documents.address(resource=documents.AGENT_PROFILE, agent=agent).user_id != requester.user.pk:
            raise services.NotAllowed(_("You can only look yourself up."))
    elif not (requester.client.may_read_all or requester.client.may_read_own):
        raise services.NotAllowed(_("This client may not read."))
    return JsonResponse(selectors.person_of(agent))


@csrf_exempt
@_xapi_headers
def activities(request):
    return _read_only_resource(request, _activity_answer)


@csrf_exempt
@_xapi_headers
def agents(request):
    return _read_only_resource(request, _agent_answer)
