"""Per-user display preferences: which time zone pages show times in.

The default is the tenant's zone (what CxEngage reports in); a supervisor may switch to their
own zone, which is stored on their profile so every page and device follows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from .caching.viewer import viewer_facts
from .models import Preference
from .services.types import UTC, Tenant

TENANT = Preference.ZoneMode.TENANT
VIEWER = Preference.ZoneMode.VIEWER


@dataclass(frozen=True, slots=True)
class DisplayZone:
    tz: tzinfo
    name: str
    mode: str  # "tenant" or "viewer"
    tenant_tz: tzinfo
    tenant_name: str

    @property
    def is_tenant(self) -> bool:
        return self.mode == TENANT

    @property
    def other_tz(self) -> tzinfo | None:
        """The zone the detail header shows second (None when both are the same)."""
        return None if self.is_tenant or self.name == self.tenant_name else self.tenant_tz


def _zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def display_zone(*, user: AbstractBaseUser | AnonymousUser, tenant: Tenant | None) -> DisplayZone:
    tenant_tz = tenant.tz if tenant else UTC
    tenant_name = tenant.timezone_name if tenant else "UTC"
    facts = viewer_facts(user) if user.is_authenticated else None  # read once, kept
    if facts and facts.zone_mode == VIEWER:
        tz = _zone(facts.viewer_zone)
        if tz is not None:
            return DisplayZone(tz, facts.viewer_zone, VIEWER, tenant_tz, tenant_name)
    return DisplayZone(tenant_tz, tenant_name, TENANT, tenant_tz, tenant_name)


def preference_set_zone(*, user: AbstractBaseUser, mode: str, zone: str = "") -> Preference:
    preference, _ = Preference.objects.get_or_create(user=user)
    preference.zone_mode = mode
    if zone:
        preference.viewer_zone = zone
    preference.save(update_fields=["zone_mode", "viewer_zone"])
    return preference
