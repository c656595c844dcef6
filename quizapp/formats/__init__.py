"""Readers and writers of question sets (our JSON pack, GIFT, Aiken, CSV/XLSX, Moodle XML).

Every reader returns domain objects (:mod:`quizapp.domain.model`) or raises
:class:`quizapp.domain.errors.PackError` naming file, line and rule. No Qt here.
"""
