"""The views: a few lines each, reading a form, calling a service, rendering a template.

- ``results``: one view for every result source (``sources.py``): the page, its htmx fragment
  and its CSV export.
- ``detail``: an interaction's page, its live poll and a table row's poll.
- ``preferences``: the time zone choice. ``health``: ``/healthz``.
- ``base``: what they share (the viewer's tenant and zone, upstream errors as values, the
  page-or-fragment decision, the status line).
"""
