"""Issue 3 targets: statements/s accepted by /xapi/statements (single POSTs and batches of 50), no duplicates.

wrk drives gunicorn + PostgreSQL as an outside activity provider (HTTP Basic). Every fifth
request re-sends the previous request's statements, as a client does after a lost answer; at
the end the rows stored are compared with the distinct ids sent.
"""

import json
import random
import uuid

from bench.common import Row, django_setup, server, wrk

TARGET_SINGLE = 300
TARGET_BATCH = 1000
CONNECTIONS = 16
SECONDS = 10

_LUA = r"""
local threads = {}
local run = %(run)d
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
counter = 0
local sent = 0
local previous = nil
local prefix = [==[%(prefix)s]==]
local suffix = [==[%(suffix)s]==]
local per_request = %(per_request)d
local function next_id()
  counter = counter + 1
  return string.format("%%08x-%%04x-4000-8000-%%012x", run, tid, counter)
end
request = function()
  sent = sent + 1
  local body
  if previous ~= nil and sent %% 5 == 0 then
    body = previous  -- a retry: the same statements again
  else
    if per_request == 1 then
      body = prefix .. next_id() .. suffix
    else
      local parts = {}
      for i = 1, per_request do parts[i] = prefix .. next_id() .. suffix end
      body = "[" .. table.concat(parts, ",") .. "]"
    end
    previous = body
  end
  return wrk.format("POST", nil, nil, body)
end
-- Acknowledged: the distinct ids of this thread's statements that came back in a 200's body (the
-- ids an LRS answers a POST with), retries counted once. Read at the end with the ids sent.
acked = 0
local seen = {}
bad = ""  -- the statuses of failed answers (300 and over), for the report (the first few)
response = function(status, headers, body)
  if status >= 300 and string.len(bad) < 60 then bad = bad .. "," .. tostring(status) end
  if status == 200 and body ~= nil then
    for id in string.gmatch(body, "%%x+%%-%%x+%%-4000%%-8000%%-%%x+") do
      if not seen[id] then
        seen[id] = true
        acked = acked + 1
      end
    end
  end
end
sangkat_extra = function()  -- "<ids sent> <acknowledged> <failed answers' statuses, or ->", for bench.common.wrk
  local ids, ok, codes = 0, 0, ""
  for _, thread in ipairs(threads) do
    ids = ids + thread:get("counter")
    ok = ok + thread:get("acked")
    codes = codes .. thread:get("bad")
  end
  return tostring(ids) .. " " .. tostring(ok) .. " " .. (codes == "" and "-" or string.sub(codes, 2))
end
"""


def _setup():
    from django.contrib.auth import get_user_model

    from courses.xapi.identity import agent_for
    from courses.xapi.models import LRSClient
    from courses.xapi.services import create_client

    User = get_user_model()
    learner, _created = User.objects.get_or_create(
        username="bench-xapi-learner", defaults={"nickname": "Bench", "age_band": "18-24"}
    )
    LRSClient.objects.filter(name="bench-xapi").delete()
    client = LRSClient(name="bench-xapi", requests_per_minute=10_000_000)
    secret = create_client(client=client)
    return agent_for(learner), client.key, secret


def _template(actor: dict, registration: str) -> tuple[str, str]:
    """An H5P-like answered statement, split around its id."""
    statement = {
        "id": "__ID__",
        "actor": actor,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
        "object": {"objectType": "Activity", "id": "http://bench.sangkat.example/activities/quiz-1",
                   "definition": {"interactionType": "choice", "correctResponsesPattern": ["1"],
                                  "name": {"en-US": "Which is a strong password?"}}},
        "result": {"score": {"scaled": 0.5, "raw": 1, "min": 0, "max": 2}, "success": False,
                   "completion": True, "response": "0", "duration": "PT12.5S"},
        "context": {"registration": registration, "contextActivities": {
            "category": [{"id": "http://h5p.org/libraries/H5P.MultiChoice-1.16", "objectType": "Activity"}]}},
        "timestamp": "2026-11-25T10:00:00.000Z",
    }
    prefix, suffix = json.dumps(statement).split("__ID__")
    return prefix, suffix


def _wrk(url: str, *, per_request: int, actor: dict, key: str, secret: str, registration: str,
         seconds: int = SECONDS, timeout: int = 10) -> dict:
    import base64

    prefix, suffix = _template(actor, registration)
    script = _LUA % {"run": random.randrange(1, 2**31), "prefix": prefix, "suffix": suffix,
                     "per_request": per_request}
    auth = base64.b64encode(f"{key}:{secret}".encode()).decode()
    result = wrk(url, connections=CONNECTIONS, seconds=seconds, script=script, timeout=timeout, headers={
        "Content-Type": "application/json", "X-Experience-API-Version": "1.0.3", "Authorization": f"Basic {auth}"})
    ids, acked, statuses = result["extra"].split()
    return {**result, "ids": int(ids), "acked": int(acked), "statuses": "" if statuses == "-" else statuses}


def _stored(registration: str) -> int:
    from courses.xapi.models import Statement

    return Statement.objects.filter(registration=registration).count()


def _cpu_per_statement(actor: dict, key: str, per_request: int, rounds: int = 20) -> float:
    """Python CPU ms per statement spent in the store's service (not HTTP, not PostgreSQL's own CPU).

    The machine is shared, so wall-clock rates are noisy; this number is not.
    """
    import time

    from courses.xapi.models import LRSClient
    from courses.xapi.services import Requester, store_statements

    requester = Requester(client=LRSClient.objects.get(key=key))
    prefix, suffix = _template(actor, str(uuid.uuid4()))
    spent = 0.0
    for _ in range(rounds):
        batch = json.loads("[" + ",".join(prefix + str(uuid.uuid4()) + suffix for _ in range(per_request)) + "]")
        started = time.process_time()
        store_statements(statements=batch, requester=requester)
        spent += time.process_time() - started
    return spent * 1000 / (rounds * per_request)


def run() -> list[Row]:
    django_setup()
    actor, key, secret = _setup()
    rows = []
    for label, per_request in (("single", 1), ("batch of 50", 50)):
        cpu = _cpu_per_statement(actor, key, per_request)
        rows.append(Row("xapi", f"store, {label}: Python CPU per statement (in-process)",
                        f"{cpu:.2f} ms ({1000 / cpu:.0f}/s per core before PostgreSQL)"))
    with server() as base:
        # Each gunicorn worker loads the xAPI validators (ralph, ~1-3 s) on its first statement.
        _wrk(base + "/xapi/statements", per_request=1, actor=actor, key=key, secret=secret,
             registration=str(uuid.uuid4()), seconds=4)
        # The same server's trivial /health/ page, measured now: how loaded the machine is.
        baseline = wrk(base + "/health/", connections=CONNECTIONS, seconds=5)
        rows.append(Row("xapi", f"baseline: /health/ on the same server, {CONNECTIONS} clients",
                        f"{baseline['rps']:.0f} req/s, p50 {baseline['p50']:.1f} ms"))
        for label, per_request, target in (("single POSTs", 1, TARGET_SINGLE),
                                           ("batches of 50", 50, TARGET_BATCH)):
            registration = str(uuid.uuid4())
            result = _wrk(base + "/xapi/statements", per_request=per_request, actor=actor, key=key,
                          secret=secret, registration=registration)
            stored = _stored(registration)
            # Statements accepted per second: every request is `per_request` statements, retries
            # included (a retry is accepted work too, it just stores nothing new).
            rate = result["requests"] * per_request / result["seconds"]
            rows.append(Row(
                "xapi", f"{label}, {CONNECTIONS} clients",
                f"{rate:.0f} statements/s ({result['requests'] / result['seconds']:.0f} req/s), "
                f"p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms, errors {result['errors']}",
                f">= {target}/s", result["errors"] == 0 and rate >= target,
            ))
            # Every acknowledged id is stored; requests still in flight when wrk stops may or may not be.
            no_duplicates = result["acked"] <= stored <= result["ids"]
            rows.append(Row(
                "xapi", f"{label}: rows stored vs distinct ids acknowledged / sent (1 in 5 requests re-sent)",
                f"{stored} rows; {result['acked']} / {result['ids']} ids", "no duplicate, none lost", no_duplicates,
            ))
    return rows
