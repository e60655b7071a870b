"""The client's side: the pages a signed-in client uses for themselves.

Today that is the questionnaires asked before each session, answered online or sent as a
FHIR QuestionnaireResponse. The answers are kept as the records app's
``OnlineSubmission``, which the staff session form reads; this app only writes them.
"""
