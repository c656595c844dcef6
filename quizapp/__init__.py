"""quizapp: an offline classroom quiz app (lessons, multiple-choice quizzes, results)."""

__version__ = "0.1.0"
