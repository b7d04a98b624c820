"""The xAPI 1.0.3 Statements resource at /xapi/statements: parse the request, call the store, answer JSON."""

import re
from functools import wraps
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from cms.jsonchecks import MAX_DEPTH, UntrustedJSONError, loads_bounded
from courses.xapi import selectors, services
from courses.xapi.auth import Unauthenticated, csrf_failure, over_rate_limit, requester_of
from courses.xapi.validation import InvalidStatement, agent_key, parse_timestamp

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


def _error(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _xapi_headers(view):
    """Every answer names the xAPI version; every request must name a 1.0.x version."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        version = request.META.get("HTTP_X_EXPERIENCE_API_VERSION", "")
        if not version:
            response = _error(400, _("The X-Experience-API-Version header is missing."))
        elif not (version == "1.0" or version.startswith("1.0.")):
            response = _error(400, _("Only xAPI version 1.0.x is supported here."))
        else:
            response = view(request, *args, **kwargs)
        response["X-Experience-API-Version"] = VERSION
        # LocaleMiddleware turns any 404 on an unprefixed path into a redirect to /en/... when
        # that path exists there (Wagtail's catch-all always does). A statement that is not found
        # must stay a JSON 404: judge this request by a URLconf without language prefixes.
        request.urlconf = "courses.xapi.urls"
        return response

    return wrapped


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
    try:
        requester = requester_of(request)
    except Unauthenticated:
        response = _error(401, _("Log in, or send the credentials of a learning record client."))
        response["WWW-Authenticate"] = 'Basic realm="Sangkat LRS"'
        return response
    if request.method in ("POST", "PUT") and requester.client is None and csrf_failure(request):
        return _error(403, _("Your session has expired. Please reload the page."))
    wait = over_rate_limit(requester)
    if wait:
        response = _error(429, _("Too many requests. Please wait a minute and try again."))
        response["Retry-After"] = str(wait)
        return response
    try:
        if request.method in ("GET", "HEAD"):
            response = _get(request, requester)
            if request.method == "HEAD":
                response.content = b""
            return response
        if request.method == "POST":
            if request.GET:
                raise BadRequest(_("POST with query parameters (the alternate request syntax) is not supported."))
            ids = services.store_statements(statements=_body(request), requester=requester)
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


class _TooLarge(Exception):
    pass


def _reject_constant(name):
    raise ValueError(name)


def _body(request):
    content_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        raise BadRequest(_("Send statements as application/json (attachments are not supported)."))
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


def _put(request, requester):
    statement_id = _uuid(request.GET.get("statementId"), "statementId", required=True)
    statement = _body(request)
    if not isinstance(statement, dict):
        raise BadRequest(_("PUT stores one statement: send a JSON object."))
    if "id" in statement and str(statement["id"]).lower() != str(statement_id):
        raise BadRequest(_("The statement's id does not match the statementId parameter."))
    statement["id"] = str(statement_id)
    services.store_statements(statements=[statement], requester=requester)
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
    _bool(params.get("attachments"), "attachments")
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
