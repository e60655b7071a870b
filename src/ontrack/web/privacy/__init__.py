"""Data protection: subject access exports, erasure and retention, backup and restore."""
