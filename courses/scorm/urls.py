"""URLs of SCORM playback (outside the language prefix): package files and runtime commits."""

from django.urls import path

from courses.scorm import views

urlpatterns = [
    path("play/<uuid:lesson_key>/<str:block_id>/<path:path>", views.play, name="scorm_play"),
    path("attempts/<int:attempt_id>/commit", views.commit, name="scorm_commit"),
]
