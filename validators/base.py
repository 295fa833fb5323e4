"""The one shape of every check (after Mailman 3's handlers).

A check is a small object with a ``name``, a one-line ``description`` and one method
returning problems. Submission checks judge a whole :class:`~ingest.model.Candidate`;
photo checks judge one photo's :class:`~ingest.photos.PhotoFacts`. The order in which they
run is written in one place, :mod:`validators.builtin`.
"""

from __future__ import annotations

from typing import Protocol

from ingest.model import Candidate
from ingest.photos import PhotoFacts
from validators.problems import Problem
from validators.settings import ValidationSettings


class SubmissionCheck(Protocol):
    """A check over the whole candidate submission."""

    name: str
    description: str

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """Return the problems found; an empty list when all is well."""
        ...


class PhotoCheck(Protocol):
    """A check over one photo, reading only the facts taken from its headers."""

    name: str
    description: str

    def check(self, photo: PhotoFacts, settings: ValidationSettings) -> list[Problem]:
        """Return the problems found for this photo; an empty list when all is well."""
        ...
