"""Screenshots of the learning modes (docs/screenshots/3*.png), under Xvfb."""

import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots import Shooter, click  # noqa
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QStyleFactory
from quizapp.app import configure_application, open_services, create_main_window
from quizapp.services.container import build_services
from quizapp.services.quizzes import QuizSpec
from quizapp.domain.model import Behaviour, QuestionType
from quizapp.ui import common
from quizapp.ui.settings import AppSettings
from quizapp.bundled import builtin_pack_path
from quizapp.formats.json_pack import load_pack


class Clock:
    def __init__(self):
        self.now = datetime.now(UTC).replace(microsecond=0) - timedelta(days=20)

    def __call__(self):
        return self.now


out = Path(sys.argv[1])
app = QApplication.instance() or QApplication(sys.argv[:1])
configure_application(app)
app.setStyle(QStyleFactory.create("Fusion"))
tmp = Path(tempfile.mkdtemp())
database, _ = open_services(str(tmp / "q.sqlite"))
clock = Clock()
svc = build_services(database, clock)
pack = load_pack(builtin_pack_path(), require_evidence=True)
Q = {q.id: q for q in pack.questions}


def pick(key, right):
    q = Q[key]
    if right:
        return (
            sorted(q.correct_indices) if q.type is QuestionType.MULTIPLE else [q.correct_indices[0]]
        )
    return [next(i for i, c in enumerate(q.choices) if not c.is_correct)]


settings = AppSettings(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
win = create_main_window(svc, settings)
win.resize(1024, 700)
win.show()
sh = Shooter(win, out, "")
ana = svc.students.create_student("Ana Lima")
home = svc.course.home(ana.id)
pack_id = home.packs[0].pack.id
lessons = home.packs[0].lessons
# history: several lesson quizzes over days
rnd = random.Random(3)
for day, lesson in enumerate(lessons[:5]):
    v = svc.attempts.start_lesson_quiz(ana.id, lesson.id)
    for s in v.slots:
        clock.now += timedelta(seconds=25)
        svc.attempts.submit(v.id, s.slot, pick(s.question_key, rnd.random() < 0.45 + 0.1 * day))
    svc.attempts.finish(v.id)
    clock.now += timedelta(days=2)
exam = svc.quizzes.create(
    QuizSpec(
        pack_id=pack_id,
        name="End of unit exam",
        question_count=8,
        behaviour=Behaviour.DEFERRED_FEEDBACK,
        time_limit_s=20 * 60,
        attempts_allowed=1,
    )
)
cbm = svc.quizzes.create(
    QuizSpec(
        pack_id=pack_id,
        name="How sure are you?",
        question_count=6,
        behaviour=Behaviour.DEFERRED_CBM,
        attempts_allowed=None,
    )
)
win.choose_student(ana.id)
sh.shot("34-home-due-review")
win.show_history()
sh.shot("35-history-chart")
# timed deferred exam
win.start_named_quiz(exam.id)
quiz = win.quiz
for i in range(5):
    s = quiz.current_slot()
    if i != 2:
        idx = pick(s.question_key, i % 2 == 0)
        for row in quiz.rows:
            if row.choice.index in idx:
                click(row)
    if i in (1, 3):
        click(quiz.flag_button)
    click(quiz.next_button)
clock.now += timedelta(minutes=7, seconds=23)
quiz.tick()
sh.shot("32-timed-countdown")
quiz.go_to(7)
click(quiz.next_button)
sh.shot("30-deferred-summary")
common.confirm = lambda *a: True
click(quiz.submit_all_button)
win.show_home()
# CBM question
win.start_named_quiz(cbm.id)
quiz = win.quiz
s = quiz.current_slot()
for row in quiz.rows:
    if row.choice.index in pick(s.question_key, True):
        click(row)
click(quiz.certainty_buttons[2])
sh.shot("31-cbm-question")
win.show_home()
win.start_review()
quiz = win.quiz
s = quiz.current_slot()
for row in quiz.rows:
    if row.choice.index in pick(s.question_key, True):
        click(row)
click(quiz.submit_button)
sh.shot("33-review-session")
database.close()
