"""Issue 16, point 6: every numeric parameter of the polls goes through a form field.

``str.isdigit()`` accepts ``²`` (and ``int("²")`` fails), so ``?poll=%C2%B2`` answered 500 on
the row poll and the live detail poll. Now ``forms.DetailQueryForm`` reads ``poll``, ``term``
and ``from``; a value that does not clean reads as absent.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

LIVE_POLL = {"HX-Request": "true", "HX-Target": "live-detail"}
ROW_POLL = {"HX-Request": "true"}
NEXT_POLL = re.compile(r'hx-get="[^"]*\?poll=(\d+)')


@pytest.fixture
def unfinished(live_api) -> str:
    results = live_api.interactions(limit=200)["results"]
    return next(i["interactionId"] for i in results if i["dataComplete"] is False)


def polls(client, interaction_id: str, query: str):
    yield client.get(f"/interactions/{interaction_id}/?{query}", headers=LIVE_POLL)
    yield client.get(f"/interactions/{interaction_id}/row/?{query}", headers=ROW_POLL)
    yield client.get(f"/interactions/{interaction_id}/?{query}")  # the page reads them too


@pytest.mark.parametrize("poll", ["%C2%B2", "%C2%B9%C2%B2", "%E2%91%A0", "-1", "1e3", "9" * 5000])
def test_a_poll_counter_that_is_no_number_reads_as_the_first_poll(sup_client, unfinished, poll):
    for response in polls(sup_client, unfinished, f"poll={poll}"):
        assert response.status_code == 200, poll
        assert NEXT_POLL.search(response.content.decode())[1] == "1"


def test_a_unicode_digit_is_read_as_its_number_and_large_ones_are_capped(sup_client, unfinished):
    # int() reads Arabic-Indic digits as what they say: ٣ is 3, so the next poll is 4
    for response in polls(sup_client, unfinished, "poll=%D9%A3"):
        assert NEXT_POLL.search(response.content.decode())[1] == "4"
    for response in polls(sup_client, unfinished, "poll=123456"):
        assert NEXT_POLL.search(response.content.decode())[1] == "21"  # MAX_POLL + 1


def test_terms_are_bounded_and_clean(sup_client, unfinished):
    terms = ["VIP", "a\nb", "x" * 201, "", *(f"t{n:02d}" for n in range(30))]
    query = "&".join(f"term={t}" for t in terms).replace("\n", "%0A")
    body = sup_client.get(f"/interactions/{unfinished}/row/?{query}", headers=ROW_POLL)
    kept = re.findall(r"term=([^&\"]+)", body.content.decode())
    assert "VIP" in kept and "a%0Ab" not in kept and "x" * 201 not in kept
    assert len(kept) == 20  # MAX_TERMS, the first ones sent
