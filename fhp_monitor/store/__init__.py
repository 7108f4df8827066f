"""Storage: the posture history (sqlite3) and what is drawn from it (matplotlib chart)."""
