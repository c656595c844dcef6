"""The teacher area: behind the PIN, pages for packs, settings (and, from other issues,
results, quizzes and merging). Add a page with
:meth:`quizapp.ui.teacher.teacher_area.TeacherArea.add_page`."""
