"""Leadership reports (SPEC §6): per-unit counts against quotas and the public list.

- :mod:`tinbai.reports.data` — the figures (:func:`build_unit_report`);
- :mod:`tinbai.reports.chart` — the server-side SVG bar chart (published vs quota);
- :mod:`tinbai.reports.writers` — XLSX, CSV and printable HTML (A4).
"""
