"""Matching: therapist report cards, step and modality advice, and therapist matching.

No Django. docs/matching.md describes the method and its validation.
"""
