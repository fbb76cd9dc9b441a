"""The dashboard's own data: an audit trail of who looked at what, display preferences, saved
views of result pages, and the triage of flagged interactions."""

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
        TRIAGE_FLAG = "triage_flag", "Triaged a flagged interaction"

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


class SavedView(models.Model):
    """A named result page (list, flagged, search, quick find): its path and query string as
    they were saved, for its owner, and for everyone when ``shared`` (read-only to them).

    ``url`` is only ever a local result page (``saved_views.local_result_url`` checks it), so a
    saved view can neither lead off the site nor run script."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=80)
    url = models.CharField(max_length=2000)
    shared = models.BooleanField(default=False, help_text="Everyone signed in can open it.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_per_owner")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.owner})"


class FlagReview(models.Model):
    """The triage of one flagged interaction of one tenant: reviewed or not, a short note and
    the dashboard user who owns it. Every change is also an ``AuditEvent`` (``triage_flag``).

    Its Meta declares the ``triage_flags`` permission: who may change a review (staff may too).
    """

    tenant_id = models.CharField(max_length=64)
    interaction_id = models.CharField(max_length=36)
    reviewed = models.BooleanField(default=False)
    note = models.CharField(max_length=500, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_flag_reviews",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_by_name = models.CharField(max_length=150, blank=True)  # survives the user
    reviewed_at = models.DateTimeField(null=True, blank=True)
    updated_by_name = models.CharField(max_length=150, blank=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id", "interaction_id"], name="flag_review_per_interaction"
            )
        ]
        permissions = [
            ("triage_flags", "Can mark flagged interactions reviewed, note and assign them"),
        ]

    def __str__(self) -> str:
        state = "reviewed" if self.reviewed else "not reviewed"
        return f"{self.interaction_id} {state}"
