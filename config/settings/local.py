"""Developer profile: sandbox, SQLite and in-memory cache unless the environment says otherwise.

DEBUG stays off unless ``DJANGO_DEBUG=true`` asks for it: its error pages show code, settings
and local variables to whoever reaches the server (static files are served by WhiteNoise either
way).
"""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DJANGO_DEBUG", default=False)
