"""Issue 16, point 9: the export and prev/next select exactly what the page shows.

For a supervisor reading times in Asia/Tokyo, the page read ``start``/``end`` in Tokyo time but
its CSV (and prev/next) read them in the tenant's zone: 167 rows on the page, 167 others in the
file. Now the page, the export and navigation build their query from one form in the viewer's
zone (``views/results.py``, ``navigation.py``).
"""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:list")
EXPORT = reverse("interactions:export", args=["list"])
ZONE = reverse("zone_preference")
WINDOW = {"start": "2026-11-21T09:00", "end": "2026-11-21T10:00"}  # typed as the viewer reads


def shown(client, **query) -> tuple[list[str], int]:
    """The ids of the list's rows (every page of ``limit``), and its total."""
    ids, page = [], 1
    while True:
        html = client.get(LIST, {**WINDOW, **query, "page": page}).content.decode()
        ids += re.findall(r'data-href="/interactions/([0-9a-f-]{36})/', html)
        total = int(re.search(r"of <strong>([\d,]+)</strong>", html)[1].replace(",", ""))
        if 'rel="next"' not in html:
            return ids, total
        page += 1


def exported(client) -> list[str]:
    data = b"".join(client.get(EXPORT, WINDOW).streaming_content).decode("utf-8-sig")
    return [row[0] for row in list(csv.reader(io.StringIO(data)))[1:]]


def walked(client, first: str, origin: str) -> list[str]:
    """The ids met from ``first`` by following each detail page's "Next"."""
    ids = [first]
    url = f"/interactions/{first}/?{urlencode({'from': origin})}"
    while True:
        html = client.get(url).content.decode()
        found = re.search(r'href="([^"]+)" rel="next"', html)
        if not found:
            return ids
        url = found[1].replace("&amp;", "&")
        ids.append(re.search(r"/interactions/([0-9a-f-]{36})/", url)[1])


def test_page_export_and_prev_next_select_the_same_interactions_in_tokyo(sup_client, live_api):
    in_tenant_zone, _ = shown(sup_client, limit=1000)
    sup_client.post(ZONE, {"mode": "viewer", "zone": "Asia/Tokyo", "next": LIST})
    page, total = shown(sup_client, limit=10)
    assert total == len(page) > 20
    assert not set(page) & set(in_tenant_zone)  # the zone decides: another hour entirely
    assert exported(sup_client) == page
    origin = f"{LIST}?{urlencode({**WINDOW, 'limit': 10})}"  # the page's rows link back to it
    assert walked(sup_client, page[0], origin) == page
