"""Create (or reset) the local demo supervisor used by `make run`. Refuses outside DEBUG.

The demo supervisor may listen to recordings (``listen_recordings``), so the sandbox's calls
play, and triage flagged interactions (``triage_flags``); customer addresses and numbers stay
masked (no ``view_customer_pii``), as most supervisors see them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError

DEMO_USERNAME = "supervisor"
DEMO_PASSWORD = "review-demo-2026"  # noqa: S105 - a published local demo password, DEBUG only


class Command(BaseCommand):
    help = "Create or reset the demo supervisor account for local use against the sandbox."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_user only runs with DJANGO_DEBUG=true (local development).")
        user, created = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
        user.set_password(DEMO_PASSWORD)
        user.is_active = True
        user.save()
        for codename in ("listen_recordings", "triage_flags"):
            user.user_permissions.add(Permission.objects.get(codename=codename))
        verb = "Created" if created else "Reset"
        self.stdout.write(f"{verb} demo supervisor: username {DEMO_USERNAME}")
        self.stdout.write(f"                     password {DEMO_PASSWORD}")
