"""The dashboard's own data: an audit trail of who looked at what."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One supervisor action: an interaction opened, a search run, a recording played from its
    start, a file downloaded (``query`` names the artifact and file).

    ``username`` is copied so the trail survives the user being deleted (``user`` becomes NULL).
    """

    class Action(models.TextChoices):
        VIEW_INTERACTION = "view_interaction", "Viewed interaction"
        SEARCH = "search", "Searched"
        EXPORT = "export", "Exported CSV"
        PLAY_RECORDING = "play_recording", "Played a recording"
        DOWNLOAD_FILE = "download_file", "Downloaded a transcript, email or attachment"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    interaction_id = models.CharField(max_length=36, null=True, blank=True, db_index=True)  # noqa: DJ001 - NULL means "no interaction" (a search)
    query = models.TextField(blank=True, help_text="The canonical search query string.")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    pii_unmasked = models.BooleanField(
        default=False, help_text="The customer's phone number or email address was shown unmasked."
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit event"

    def __str__(self) -> str:
        who = self.username or "(deleted user)"
        target = self.interaction_id or self.query
        return f"{who} {self.action} {target} at {self.at:%Y-%m-%d %H:%M}"


class Preference(models.Model):
    """A supervisor's display choices, kept on the server so every device follows them.

    Its Meta also declares the ``view_customer_pii`` permission: without it, customer phone
    numbers and email addresses are masked in pages and exports (and transcripts, emails and
    attachments cannot be downloaded); and ``listen_recordings``: without it, no recording plays.
    """

    class ZoneMode(models.TextChoices):
        TENANT = "tenant", "Tenant's time zone"
        VIEWER = "viewer", "My own time zone"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboard_preference"
    )
    zone_mode = models.CharField(max_length=8, choices=ZoneMode.choices, default=ZoneMode.TENANT)
    viewer_zone = models.CharField(max_length=64, blank=True)

    class Meta:
        permissions = [
            ("view_customer_pii", "Can see customer phone numbers and email addresses"),
            ("listen_recordings", "Can listen to call recordings"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.zone_mode} {self.viewer_zone}".strip()
