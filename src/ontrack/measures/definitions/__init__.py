"""Measure definition files (TOML), shipped as package data; see docs/measures.md."""
