"""People and organisation: users, services, teams, staff with roles, supervision."""
