"""The access-control matrix in docs/security.md is the rule: every URL of the project has a row, every
row a URL, and every role gets from every URL what its cell says.

A new view without a row fails `test_every_url_has_a_row`; a view that answers a role differently
from its cell fails that role's walk, which lists every wrong cell at once.
`SANGKAT_MATRIX_DUMP=<folder>` also writes what each role got (JSON), to fill in new rows.
"""

import json
import os
from functools import partial
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import translation

from tests.security.matrix_fixtures import (
    EFFECTS,
    EXTRA_ROWS,
    HEADERS,
    MALFORMED,
    POST_BASES,
    QUERY_READ_ELSEWHERE,
    QUERY_VARIANTS,
    ROLES,
    SECRETS,
    SENTINELS,
    VARIANT_KWARGS,
    build_world,
    page_models,
    parameters_read,
    project_patterns,
    read_matrix,
    role_user,
    url_kwargs,
)

MATRIX = read_matrix()
LOGIN_NAMES = {"login", "wagtailadmin_login", "wagtailcore_login"}


def expected_keys(patterns) -> set[str]:
    keys = {p.name for p in patterns}
    for p in patterns:
        for variant, names in VARIANT_KWARGS.items():
            if names & set(p.kwargs):
                keys.add(f"{p.name} [{variant}]")
        for variant, (_query, names) in QUERY_VARIANTS.items():
            if p.name in names:
                keys.add(f"{p.name} [{variant}]")
    keys |= {f"page:{model.__name__}" for model in page_models()}
    return keys | set(EXTRA_ROWS)


def test_the_table_is_well_formed():
    assert MATRIX.rows, "no access table found in docs/security.md"
    assert not MATRIX.errors, "\n".join(MATRIX.errors)


def test_every_url_has_a_row_and_every_row_a_url():
    patterns, _skipped = project_patterns()
    keys = expected_keys(patterns)
    missing = sorted(keys - set(MATRIX.rows))
    unknown = sorted(set(MATRIX.rows) - keys)
    assert not missing and not unknown, (
        f"URLs without a row in docs/security.md: {missing}\nrows without a URL: {unknown}"
    )


# --- the walk ------------------------------------------------------------------------------------


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return build_world()


def urls_to_walk(world) -> dict[str, tuple[str, str, dict]]:
    """Row key → (URL name, URL, its kwargs), for every row the project has (rows or not)."""
    patterns, _skipped = project_patterns()
    urls = {}
    with translation.override("en"):
        for pattern in patterns:
            variants = [None] + [v for v, names in VARIANT_KWARGS.items() if names & set(pattern.kwargs)]
            for variant in variants:
                key = f"{pattern.name} [{variant}]" if variant else pattern.name
                try:
                    kwargs = url_kwargs(pattern, world, variant)
                    urls[key] = (pattern.name, reverse(pattern.name, kwargs=kwargs), kwargs)
                except KeyError as missing:  # a new converter: add its object to build_world()
                    urls[key] = (pattern.name, f"!{missing}", {})
            for variant, (query, names) in QUERY_VARIANTS.items():
                if pattern.name in names:
                    urls[f"{pattern.name} [{variant}]"] = (pattern.name, urls[pattern.name][1] + query, {})
        for model_name, page in world.pages.items():
            urls[f"page:{model_name}"] = (None, page.url, {})
    urls.update({key: (None, url, {}) for key, url in EXTRA_ROWS.items()})
    return urls


def classify(response) -> str:
    """A response as a cell: `login` for a redirect to a login page, `302` for another redirect."""
    if response.status_code in (301, 302, 303, 307, 308):
        try:
            match = resolve(urlsplit(response["Location"]).path)
        except Resolver404:
            return "302"
        return "login" if match.url_name in LOGIN_NAMES else "302"
    return str(response.status_code)


def request(client, user, method: str, url: str, role: str = "", leaks: list | None = None,
            headers: dict | None = None, data: dict | None = None, effect=None) -> str:
    """One request, its effects rolled back, so a POST never changes what the next URL sees.

    With `effect` (a check of the database), a POST that the service refused reads `msg`."""
    cache.clear()  # rate limits count per user: a walk of every URL must not trip them
    client.logout()
    if user is not None:
        client.force_login(user)
    with transaction.atomic():
        response = getattr(client, method)(url, data or {}, **(headers or {}))
        refused = effect is not None and not effect()
        transaction.set_rollback(True)
    if leaks is not None and response.status_code == 200 and not response.streaming:
        body = response.content.decode("utf-8", "replace")
        leaks += [f"{url}: shows {secret!r}" for secret, roles in SECRETS.items()
                  if role not in roles and secret in body]
    cell = classify(response)
    return "msg" if refused and cell in ("200", "302") else cell


def post_cell(observed: str) -> str:
    if observed in ("login", "403", "404"):
        return f"post:{observed}"
    if observed == "msg":
        return "post:msg"
    return "post" if observed != "405" else "405"


def matches(expected: str, observed: str) -> bool:
    if expected == "own":
        return observed in ("403", "404")
    if expected == "post:own":
        return observed in ("post:403", "post:404")
    return expected == observed


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says(role, client, world):
    client.raise_request_exception = bool(os.environ.get("MATRIX_RAISE"))
    user = role_user(role, world)
    dump = os.environ.get("SANGKAT_MATRIX_DUMP")
    wrong, seen, leaks = [], {}, []
    for key, (name, url, kwargs) in urls_to_walk(world).items():
        row = MATRIX.rows.get(key)
        expected = row[role] if row else None
        if url.startswith("!"):
            wrong.append(f"{key}: {url[1:]} (tests/security/matrix_fixtures.py)")
            continue
        headers = HEADERS.get(key)
        got = request(client, user, "get", url, role, leaks, headers)
        posted = None
        if dump or (expected or "").startswith("post"):
            data, check = EFFECTS.get(name, (None, None))
            effect = partial(check, kwargs) if check else None
            posted = post_cell(request(client, user, "post", url, headers=headers, data=data, effect=effect))
        seen[key] = [got, posted]
        if expected is None:
            continue
        if expected.startswith("post"):
            if got == "200":
                wrong.append(f"{key} ({url}): GET shows a page, the table says POST only ({expected})")
            elif not matches(expected, posted):
                wrong.append(f"{key} ({url}): POST gave {posted}, the table says {expected}")
        elif not matches(expected, got):
            wrong.append(f"{key} ({url}): GET gave {got}, the table says {expected}")
    if dump:
        Path(dump).mkdir(parents=True, exist_ok=True)
        (Path(dump) / f"{role}.json").write_text(json.dumps(seen, indent=1))
    assert not leaks, f"{role} receives what it must never see:\n" + "\n".join(leaks)
    assert not wrong, f"{role}: {len(wrong)} cells differ from docs/security.md\n" + "\n".join(wrong)


# --- malformed values: never a 500 ---------------------------------------------------------------


def malformed_urls(world) -> list[tuple[str, str, str, dict]]:
    """(row key, method, URL, POST data): every path parameter, then the query and POST names the
    view reads, set to each malformed value (POSTed to every view that reads POST names). A path
    value its converter refuses never reaches a view (the resolver's 404), so it is not sent."""
    patterns = {p.name: p for p in project_patterns()[0]}
    found = []
    with translation.override("en"):
        for key, (name, url, kwargs) in urls_to_walk(world).items():
            if url.startswith("!"):
                continue
            row = MATRIX.rows.get(key) or {}
            query_names, post_names = parameters_read(resolve(urlsplit(url).path).func)
            posts = name is not None and (
                bool(post_names) or any(cell.startswith("post") for cell in row.values()))
            effect_data = EFFECTS.get(name, ({}, None))[0] or {}
            # Each malformed value in every POST name at once, and again beside the real values of
            # the names that choose a branch (an unknown `action` would stop before the ids).
            bases = [{}, *POST_BASES.get(name, ()), *([effect_data] if effect_data else [])]
            query_names |= QUERY_READ_ELSEWHERE.get(key, set())
            base, _, query = url.partition("?")
            for kwarg in patterns[name].kwargs if name else ():
                for sentinel in SENTINELS:
                    try:
                        marked = reverse(name, kwargs={**kwargs, kwarg: sentinel})
                    except NoReverseMatch:
                        continue
                    for value in MALFORMED:
                        bad = marked.replace(str(sentinel), quote(value, safe=""))
                        try:
                            if resolve(urlsplit(bad).path).url_name != name.rsplit(":", 1)[-1]:
                                continue
                        except Resolver404:
                            continue
                        found.append((key, "get", bad + (f"?{query}" if query else ""), {}))
                        if posts:
                            found.append((key, "post", bad, effect_data))
                    break
            for value in MALFORMED:
                if query_names:
                    params = {**dict(parse_qsl(query)), **dict.fromkeys(sorted(query_names), value)}
                    found.append((key, "get", base + "?" + urlencode(params), {}))
                for chosen in bases if posts and post_names else ():
                    found.append((key, "post", url, {
                        **dict.fromkeys(sorted(post_names - set(chosen)), value), **chosen}))
    return found


@pytest.mark.parametrize("role", ROLES)
def test_no_malformed_value_gives_a_500(role, client, world):
    """Issue 15, item 4: 'abc', '-1', '1e9', '', '²', NUL, five thousand digits and nested brackets
    in every path parameter, query parameter and POST field the views read, as each role."""
    client.raise_request_exception = False
    user = role_user(role, world)
    errors = []
    for key, method, url, data in malformed_urls(world):
        got = request(client, user, method, url, headers=HEADERS.get(key), data=data)
        if got == "500":
            errors.append(f"{key}: {method.upper()} {url[:160]} {str(data)[:160]}")
    assert not errors, f"{role}: {len(errors)} requests gave a 500\n" + "\n".join(errors)
