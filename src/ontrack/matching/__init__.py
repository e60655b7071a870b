"""Matching: therapist report cards, step and modality advice, and therapist matching.

No Django. ``reportcards`` rates each therapist per problem domain against case-mix-
adjusted expected change (empirical Bayes); ``advice`` advises where to start (stratified
care, never below stepped care) and which modality (a personalised advantage index);
``rank`` ranks therapists for one client with reasons in words, and ``suggest`` offers it
to the pathway's allocation page; ``validate`` replays allocation on a canonical dataset
(``ontrack match-validate``). docs/matching.md describes the method and its figures.
"""
