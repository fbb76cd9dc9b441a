"""``client_from_settings()``: the one place a CxEngage client is built.

One client per process (its ``requests.Session`` keeps connections and the auth token), built
from ``settings.CXENGAGE`` on first use and rebuilt when a test overrides that setting. Only the
service layer calls this; views, templates and exports never hold a client.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.views.decorators.debug import sensitive_variables

from .client import ClientConfig, CxEngageClient


@cache
@sensitive_variables("conf")  # the credentials, should an error page show this frame
def client_from_settings() -> CxEngageClient:
    conf = settings.CXENGAGE
    return CxEngageClient(
        ClientConfig(
            api_url=conf["API_URL"],
            tenant_id=conf["TENANT_ID"],
            api_key=conf["API_KEY"],
            api_secret=conf["API_SECRET"],
            username=conf["USERNAME"],
            password=conf["PASSWORD"],
            connect_timeout=conf["CONNECT_TIMEOUT"],
            read_timeout=conf["READ_TIMEOUT"],
            retries=conf["RETRIES"],
            max_retry_after=conf["MAX_RETRY_AFTER"],
            max_response_bytes=conf["MAX_RESPONSE_BYTES"],
            max_concurrency=conf["MAX_CONCURRENCY"],
            file_hosts=conf.get("FILE_HOSTS", ()),
            # the flagged scan keeps FLAGGED_SCAN_WORKERS pages in flight besides the pages
            pool_size=max(8, conf["FLAGGED_SCAN_WORKERS"] * 2),
        )
    )


@receiver(setting_changed)
def _rebuild_on_change(*, setting: str, **kwargs: object) -> None:
    if setting == "CXENGAGE":
        client_from_settings.cache_clear()
