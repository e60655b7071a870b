"""OnTrack: outcome and alliance monitoring for talking-therapy services."""

__version__ = "0.1.0"
