from django.urls import path

from courses import views

urlpatterns = [
    path("learn/", views.my_learning, name="my_learning"),
    path("learn/lessons/<int:lesson_id>/complete/", views.complete_lesson, name="complete_lesson"),
    path("learn/lessons/<int:lesson_id>/quiz/<str:quiz_id>/", views.submit_quiz, name="submit_quiz"),
    path("learn/lessons/<int:lesson_id>/heartbeat/", views.heartbeat, name="lesson_heartbeat"),
    path(
        "facilitate/centers/<int:center_id>/courses/<int:course_id>/",
        views.center_course_report, name="center_course_report",
    ),
]
