"""DEBUG=false under gunicorn: two instances on one Redis and one PostgreSQL, against the sandbox.

Requests carry ``X-Forwarded-Proto: https`` as the TLS-terminating proxy would add it.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from .conftest import Gunicorn


def test_login_page(prod_stack):
    response = prod_stack.a.get("/login/", anonymous=True)
    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in response.text
    assert "Traceback" not in response.text


def test_plain_http_is_redirected_to_https_but_healthz_is_not(prod_stack):
    response = prod_stack.a.get("/login/", https=False, anonymous=True)
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://127.0.0.1:{prod_stack.a.port}/login/"
    assert prod_stack.a.get("/healthz", https=False).status_code == 200


def test_security_headers(prod_stack):
    headers = prod_stack.a.get("/login/", anonymous=True).headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_cookies_are_secure(prod_stack):
    login = prod_stack.a.get("/login/", anonymous=True)
    csrf = next(c for c in login.cookies if c.name == "csrftoken")
    assert csrf.secure
    # log in afresh (a client of the same instance) to see the session cookie's attributes
    client = Gunicorn("probe", prod_stack.env, prod_stack.a.log_path, port=prod_stack.a.port)
    response = client.log_in(prod_stack.username, prod_stack.password)
    session = next(
        c for c in response.raw.headers.getlist("Set-Cookie") if c.startswith("sessionid=")
    )
    attributes = {part.strip().split("=")[0].lower() for part in session.split(";")}
    assert {"secure", "httponly", "samesite"} <= attributes, session


def test_static_css_is_hashed_compressed_and_immutable(prod_stack):
    page = prod_stack.a.get("/login/", anonymous=True).text
    hrefs = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert hrefs and scripts, page[:1000]
    for url in [*hrefs, *scripts]:
        assert re.fullmatch(r"/static/[\w/.-]+\.[0-9a-f]{12}\.(css|js)", url), url
        response = prod_stack.a.get(url, headers={"Accept-Encoding": "gzip, br"}, stream=True)
        assert response.status_code == 200, url
        assert response.headers.get("Content-Encoding") in {"gzip", "br"}, (url, response.headers)
        assert "immutable" in response.headers["Cache-Control"]
        wire = response.raw.read(decode_content=False)
        assert int(response.headers["Content-Length"]) == len(wire)
    plain = prod_stack.a.get(hrefs[0], headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert plain.headers["Content-Type"].startswith("text/css")


def test_not_found_is_the_friendly_page(prod_stack):
    response = prod_stack.a.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "There is nothing at this address" in response.text
    for debug_marker in ("Traceback", "URLconf", "DEBUG = True", "technical_404"):
        assert debug_marker not in response.text
    # logged in or not: the same page, no debug details
    assert "Page not found" in prod_stack.b.get("/interactions/nope/extra/").text


def _warm_tenant(stack) -> None:
    """The tenant facts (one list call, cached for an hour in the shared Redis)."""
    assert stack.a.get("/interactions/?limit=10").status_code == 200


def test_cache_is_shared_across_instances(prod_stack):
    _warm_tenant(prod_stack)
    before = prod_stack.upstream_list_calls()
    through_a = prod_stack.a.get("/interactions/?limit=25&page=3")
    through_b = prod_stack.b.get("/interactions/?limit=25&page=3")
    assert through_a.status_code == through_b.status_code == 200
    assert "51–75" in through_a.text and "51–75" in through_b.text
    assert prod_stack.upstream_list_calls() - before == 1


def test_concurrent_identical_requests_across_instances_make_one_upstream_call(prod_stack):
    _warm_tenant(prod_stack)
    for instance in (prod_stack.a, prod_stack.b):  # every worker has its token already
        for _ in range(6):
            assert instance.get("/interactions/?limit=10").status_code == 200
    prod_stack.sandbox.set_faults(latency_ms=300)
    try:
        before = prod_stack.upstream_list_calls()
        path = "/interactions/?limit=50&page=9"
        instances = [prod_stack.a, prod_stack.b]
        with ThreadPoolExecutor(max_workers=50) as pool:
            responses = list(pool.map(lambda n: instances[n % 2].get(path), range(50)))
        calls = prod_stack.upstream_list_calls() - before
    finally:
        prod_stack.sandbox.set_faults()
    assert [r.status_code for r in responses] == [200] * 50
    assert all("401–450" in r.text for r in responses)
    assert calls == 1, f"{calls} upstream calls for 50 identical requests"


def test_static_files_are_not_served_from_the_source_tree(prod_stack):
    # collectstatic's output is what is served: the manifest names files that exist there
    manifest = prod_stack.static_root / "staticfiles.json"
    assert manifest.exists()
    assert (prod_stack.static_root / "css").is_dir()
    assert any(p.suffix == ".gz" for p in (prod_stack.static_root / "css").iterdir())


def test_html_is_compressed_when_asked(prod_stack):
    asked = prod_stack.a.get("/interactions/", headers={"Accept-Encoding": "gzip"}, stream=True)
    assert asked.status_code == 200
    assert asked.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in asked.headers["Vary"]
    wire = len(asked.raw.read(decode_content=False))
    plain = prod_stack.a.get("/interactions/", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert wire < len(plain.content) / 3


def test_csv_export_streams_through_gzip(prod_stack):
    response = prod_stack.a.get(
        "/interactions/export/search.csv?kind=attribute-value&value=VIP",
        headers={"Accept-Encoding": "gzip"},
        stream=True,
    )
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Content-Length" not in response.headers  # streamed, not buffered
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert len(lines) > 100 and "# export stopped" not in text
    assert all(line.count(",") >= lines[0].count(",") for line in lines[1:3])
