"""Royalties (SPEC §6): money rules with effective dates, payment batches, bank exports.

- :mod:`tinbai.finance.money` — integer-VND arithmetic and the dated royalty rules;
- :mod:`tinbai.finance.batches` — creating, confirming and paying payment batches;
- :mod:`tinbai.finance.export` — the payment list as XLSX or CSV in a bank's layout.
"""
