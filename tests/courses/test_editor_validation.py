"""Editors get a clear message when a quiz question cannot be scored."""

import pytest
from django.core.exceptions import ValidationError

from courses.blocks import QuestionBlock


def question(kind, *correct):
    return {
        "kind": kind, "prompt": "Is this right?",
        "answers": [{"text": f"Answer {i}", "correct": flag, "feedback": ""} for i, flag in enumerate(correct)],
    }


@pytest.mark.parametrize("value, message", [
    (question("single", False, False), "at least one answer"),
    (question("single", True, True), "exactly one correct answer"),
    (question("true_false", True, False, False), "exactly two answers"),
])
def test_a_question_that_cannot_be_scored_is_refused(value, message):
    block = QuestionBlock()
    with pytest.raises(ValidationError) as error:
        block.clean(block.to_python(value))
    assert message in str(error.value.block_errors["answers"])


def test_a_good_multiple_choice_question_is_accepted():
    block = QuestionBlock()
    assert block.clean(block.to_python(question("multiple", True, False, True)))["kind"] == "multiple"
