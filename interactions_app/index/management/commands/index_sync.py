"""``manage.py index_sync``: one pass of the interaction index; ``--follow`` repeats it."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ...services import index_enabled
from ...sync import LEASE_SECONDS, Syncer


class Command(BaseCommand):
    help = (
        "Bring the interaction index up to date: backfill CXENGAGE_INDEX_DAYS days newest first "
        "(resumable), then what is new and what has finished since. --follow repeats it every "
        "CXENGAGE_INDEX_INTERVAL seconds. One syncer per tenant works at a time (a lease in the "
        "database); the others wait."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--follow", action="store_true", help="repeat every CXENGAGE_INDEX_INTERVAL seconds"
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=None,
            metavar="SECONDS",
            help="how long one pass waits for another syncer's lease (default: its lifetime)",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="sync even when CXENGAGE_INDEX is off (to build the index before turning it on)",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar, even on a terminal"
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if not index_enabled() and not options["force"]:
            raise CommandError("The index is off: set CXENGAGE_INDEX=true (or pass --force).")
        if options["verbosity"] < 2:
            # one line per upstream call is too much for a backfill of thousands of pages
            logging.getLogger("interactions_app.cxengage.client").setLevel(logging.WARNING)
        stop = threading.Event()

        def stop_now(signum, frame):  # type: ignore[no-untyped-def]
            if stop.is_set():
                raise KeyboardInterrupt
            self.stderr.write("stopping after the page in hand (again to stop at once)")
            stop.set()

        signal.signal(signal.SIGINT, stop_now)
        signal.signal(signal.SIGTERM, stop_now)
        syncer = Syncer(stop=stop, progress=sys.stderr.isatty() and not options["no_progress"])
        if options["follow"]:
            syncer.follow(interval=settings.CXENGAGE_INDEX_INTERVAL)
            return

        wait = LEASE_SECONDS if options["wait"] is None else options["wait"]
        result = syncer.run_pass(wait_seconds=wait)
        self.stdout.write(result.log_line())
        if result.status == "failed":
            raise CommandError(f"the index pass failed: {result.error}")
        if result.status == "busy":
            raise CommandError(f"another syncer holds the index lease ({result.holder})")
