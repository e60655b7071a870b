"""Care records: clients, referrals, episodes, contacts, scores, goals, homework, alerts."""
