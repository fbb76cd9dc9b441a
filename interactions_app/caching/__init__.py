"""Everything the dashboard keeps in Django's cache, in one room.

- ``keys``: the one place a key is built; every key carries the upstream URL and the tenant.
- ``single_flight``: however many requests want the same upstream result at once, one of them
  (in one process) makes the call; used by page fetches and the background flagged scan alike.
- ``html``: the rendered ``#results`` region, kept so a warm page neither fetches nor renders.
- ``store``: how they read and write the cache: a shared cache that stops answering is logged
  once and stood in for by the process's own entries until it answers again.
"""
