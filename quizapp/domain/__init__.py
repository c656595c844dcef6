"""Pure-Python domain: packs, lessons, questions, scoring, quiz assembly. No Qt, no database."""
