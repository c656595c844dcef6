"""The PySide6 GUI: main window, student screens and dialogs. The only package that imports Qt.

Screens render the dataclasses of :mod:`quizapp.services.dto` and turn clicks into
service calls; nothing here touches SQL or ORM objects.
"""
