"""Create (or reset) the local demo supervisor used by `make run`. Its password is published, so
it refuses unless the dashboard is local: DEBUG on, or CxEngage being a sandbox on this machine.

The demo supervisor may listen to recordings (``listen_recordings``), so the sandbox's calls
play, and triage flagged interactions (``triage_flags``); customer addresses and numbers stay
masked (no ``view_customer_pii``), as most supervisors see them."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError

DEMO_USERNAME = "supervisor"
DEMO_PASSWORD = "review-demo-2026"  # noqa: S105 - a published local demo password, local only
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _local() -> bool:
    """DEBUG, or an upstream on this machine (the sandbox): never a real tenant's dashboard."""
    return settings.DEBUG or urlsplit(settings.CXENGAGE["API_URL"]).hostname in LOOPBACK


class Command(BaseCommand):
    help = "Create or reset the demo supervisor account for local use against the sandbox."

    def handle(self, *args, **options) -> None:
        if not _local():
            raise CommandError(
                "demo_user only runs against a local sandbox (CXENGAGE_API_URL on 127.0.0.1) "
                "or with DJANGO_DEBUG=true: its password is published."
            )
        user, created = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
        user.set_password(DEMO_PASSWORD)
        user.is_active = True
        user.save()
        for codename in ("listen_recordings", "triage_flags"):
            user.user_permissions.add(Permission.objects.get(codename=codename))
        verb = "Created" if created else "Reset"
        self.stdout.write(f"{verb} demo supervisor: username {DEMO_USERNAME}")
        self.stdout.write(f"                     password {DEMO_PASSWORD}")
