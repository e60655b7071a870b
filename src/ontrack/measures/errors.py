"""The one exception the measures library raises for bad input or a bad definition."""

from __future__ import annotations


class MeasureError(ValueError):
    """Bad input to the measures library: an unknown measure, a bad answer, a bad file.

    The message names the problem in plain words, so the CLI can print it as is.
    """
