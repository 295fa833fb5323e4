"""Errors of the store package, rooted in :class:`StoreError`."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every error raised by :mod:`store`."""


class SchemaTooNew(StoreError):
    """The database was written by a newer tinbai; refuse rather than corrupt it."""


class NotFound(StoreError):
    """A referenced submission, batch or user does not exist."""


class InvalidTransition(StoreError):
    """A status change that the lifecycle (SPEC §5) does not allow."""


class DataDirLocked(StoreError):
    """Another ``tinbai run`` already holds the data folder's lock."""
