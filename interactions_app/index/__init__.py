"""The interaction index: a local table of what lists and filters need, kept by ``index_sync``.

The API filters by time and custom attribute only; the index answers agent, queue, flow,
channel, direction, customer, status and flag filters, sorts by duration, counts facets and
lists every flagged interaction of a period. Details stay upstream: no raw JSON is kept.

- ``models``: the tables (interaction rows, their agents, queues and attributes, the sync's
  state and lease).
- ``keys``: how names and customer identifiers are normalised for matching.
- ``store``: writes (bulk upserts), shared by the sync and the detail page.
- ``sync``: one pass (backfill newest first, then incremental) under a per-tenant lease.
- ``queries``: ``IndexQuery`` and the reads pages make.
- ``services``: ``index_enabled``, ``index_status``, ``index_note_interaction``.
"""
