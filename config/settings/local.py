"""Developer profile: sandbox, SQLite and in-memory cache unless the environment says otherwise."""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DJANGO_DEBUG", default=True)
