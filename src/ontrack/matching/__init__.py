"""Matching: therapist report cards, step and modality advice, and therapist matching.

No Django. ``reportcards.report_cards_for`` rates each therapist per problem domain
against case-mix-adjusted expected change (empirical Bayes); ``cases.load_cases`` reads
the canonical dataset; ``domains`` names the problem domains. docs/matching.md describes
the method.
"""
