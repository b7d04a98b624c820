"""The proposal list stays cheap as proposals and supports grow: indexes that match its queries,
search that keeps substring (Khmer) matches, a fixed number of queries, labels without rework."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from labs.participation import selectors
from labs.participation.models import Category, Proposal, State, Support
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL indexes")


def many(author, n, **fields):
    return Proposal.objects.bulk_create([
        Proposal(author=author, title=fields.get("title", f"Idea {i}"), body=fields.get("body", f"Body {i}"),
                 category=fields.get("category", Category.WASTE), space=fields.get("space", "public"),
                 hidden_at=fields.get("hidden_at"))
        for i in range(n)
    ])


def test_list_queries_do_not_grow_with_proposals_or_supports(client, django_assert_max_num_queries):
    author = UserFactory()
    many(author, 5)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("participation:proposals") + "?sort=top")
    proposals = many(author, 60)
    people = [UserFactory() for _ in range(5)]
    Support.objects.bulk_create([Support(proposal=p, user=u) for p in proposals for u in people])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("participation:proposals") + "?sort=top")
    assert response.status_code == 200


def test_search_finds_khmer_words_inside_a_sentence():
    author = UserFactory()
    wanted = Proposal.objects.create(author=author, title="ភ្លើងបំភ្លឺផ្លូវនៅជិតសាលា", body="ងងឹតពេលយប់", category="safety")
    Proposal.objects.create(author=author, title="ធុងសំរាម", body="ផ្សារ", category="waste")
    anyone = UserFactory()
    found = list(selectors.proposal_list(anyone, q="ផ្លូវ"))  # "road", in the middle of the title
    assert found == [wanted]


def test_search_keeps_hidden_and_women_space_proposals_out():
    author = UserFactory()
    many(author, 1, title="Lamp by the pond", hidden_at=timezone.now())
    many(author, 1, title="Lamp by the school", space="women")
    visible = many(author, 1, title="Lamp by the market")
    assert list(selectors.proposal_list(UserFactory(), q="lamp")) == visible


def test_labels_are_the_translated_choices():
    proposal = Proposal(category=Category.WATER_FLOODING, state=State.IN_PROGRESS)
    assert (proposal.get_category_display(), proposal.get_state_display()) == ("Water and flooding", "In progress")
    assert Proposal(category="gone", state="odd").get_category_display() == "gone"


def plan(sql_and_params, *, ordered_scans=True) -> str:
    sql, params = sql_and_params
    with connection.cursor() as cursor:
        # A tiny test table is always cheaper to scan: forbid that, to see which index the query can use.
        cursor.execute("SET LOCAL enable_seqscan = off")
        if not ordered_scans:  # leave only bitmap scans, which is how the trigram (GIN) indexes are read
            cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@postgres_only
@pytest.mark.parametrize(("filters", "index"), [
    ({"sort": "new"}, "prop_new"),
    ({"sort": "top"}, "prop_top"),
    ({"sort": "discussed"}, "prop_discussed"),
    ({"sort": "new", "category": "safety"}, "prop_cat_new"),
    ({"sort": "top", "category": "safety"}, "prop_cat_top"),
])
def test_each_list_order_reads_its_own_index(filters, index):
    many(UserFactory(), 3)
    query = selectors.proposal_list(UserFactory(), **filters)[:21].query
    assert index in plan(query.sql_with_params())


def test_csv_export_keeps_formulas_from_running_in_spreadsheets(client):
    many(UserFactory(), 1, title="=HYPERLINK(\"http://evil.example\",\"click\")")
    many(UserFactory(), 1, title="ផ្លូវដែកនៅក្បែរផ្សារ")
    text = client.get(reverse("participation:proposals_csv")).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    assert "ផ្លូវដែកនៅក្បែរផ្សារ" in text
