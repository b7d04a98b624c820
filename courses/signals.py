"""Events courses announce to the rest of Sangkat (gamification listens; courses imports no one).

Each is sent once per learner and thing, inside the transaction that records it.
"""

from django.dispatch import Signal

# kwargs: user, lesson (LessonPage)
lesson_completed = Signal()
# kwargs: user, lesson (LessonPage), quiz_id (str), percent (int)
quiz_passed = Signal()
# kwargs: user, course (CoursePage)
course_completed = Signal()
# kwargs: user, lesson (LessonPage), block_id (str), scaled (float | None): an H5P activity's
# completion rule now holds for this learner (sent again only if voiding undid it in between).
activity_scored = Signal()
# kwargs: items, a list of (user, lesson (LessonPage), block_id (str)): voided statements undid
# activity_scored for each. Sent once per voiding request with every activity it undid (a bulk
# source: the receivers take them back in one pass), and before any activity_scored of the same
# request that comes after them, so receivers see the order one signal per activity would give.
activities_unscored = Signal()
