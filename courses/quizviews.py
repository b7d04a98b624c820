"""What a quiz block on a lesson page shows: its questions, the learner's choices and their feedback
after an attempt, and the tries left today (read by courses.selectors.lesson_context, which re-exports these)."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from courses.models import QuizAttempt, QuizRules
from courses.services import QUIZ_TRY_WINDOW, quiz_tries_used_message


@dataclass
class AnswerView:
    index: int
    text: str
    chosen: bool = False
    feedback: str = ""


@dataclass
class QuestionView:
    number: int
    kind: str
    prompt: str
    answers: list[AnswerView]
    correct: bool | None = None  # None until the learner has an attempt to look at


@dataclass
class QuizView:
    block_id: str
    title: str
    pass_mark: int
    questions: list[QuestionView]
    token: str
    best_percent: int | None = None
    passed: bool = False
    attempts: int = 0
    feedback: QuizAttempt | None = None
    answers_hidden: bool = False  # the course shows right answers only after passing
    tries_per_day: int | None = None
    tries_left: int | None = None  # None: no limit
    tries_used_message: str = ""
    questions_html: str = ""  # the questions already rendered (no attempt shown): lesson_context


def quiz_view(
    block, result, feedback: QuizAttempt | None, *, rules: QuizRules | None = None,
    recent_tries: list[datetime] | None = None, now: datetime | None = None,
) -> QuizView:
    """Questions ready to render; with an attempt, its choices marked and their feedback shown.

    When the course holds answers back until a pass, an attempt shows only its score.
    """
    rules = rules or QuizRules()
    passed = bool(result and result.passed_at)
    answers_hidden = rules.answers_after_pass and not passed
    show_answers = feedback is not None and not answers_hidden
    questions = []
    for number, question in enumerate(block.value["questions"]):
        chosen = set(feedback.answers.get(str(number), [])) if feedback else set()
        answers = [
            AnswerView(
                index=index, text=answer["text"], chosen=index in chosen,
                feedback=answer["feedback"] if show_answers and index in chosen else "",
            )
            for index, answer in enumerate(question["answers"])
        ]
        correct = None
        if show_answers:
            correct = chosen == {i for i, a in enumerate(question["answers"]) if a["correct"]}
        questions.append(QuestionView(
            number=number, kind=question["kind"], prompt=question["prompt"], answers=answers, correct=correct,
        ))
    tries_left, tries_used_message = None, ""
    if rules.attempts_per_day:
        recent = sorted(recent_tries or [])
        tries_left = max(0, rules.attempts_per_day - len(recent))
        if not tries_left:
            tries_used_message = quiz_tries_used_message(
                limit=rules.attempts_per_day,
                retry_at=recent[-rules.attempts_per_day] + QUIZ_TRY_WINDOW, now=now or timezone.now(),
            )
    return QuizView(
        block_id=block.id, title=block.value["title"], pass_mark=block.value["pass_mark"],
        questions=questions, token=str(uuid.uuid4()),
        best_percent=result.best_percent if result else None,
        passed=passed,
        attempts=result.attempts if result else 0,
        feedback=feedback,
        answers_hidden=answers_hidden,
        tries_per_day=rules.attempts_per_day,
        tries_left=tries_left,
        tries_used_message=tries_used_message,
    )
