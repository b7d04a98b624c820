"""URLs of cmi5 launches, the fetch URL and the courses' files (outside the language prefix)."""

from django.urls import path

from courses.cmi5 import views

urlpatterns = [
    path("launch/<uuid:lesson_key>/<str:block_id>/<int:au_index>/", views.launch, name="cmi5_launch"),
    path("fetch/<uuid:launch_id>/", views.fetch, name="cmi5_fetch"),
    path("returned/", views.returned, name="cmi5_returned"),
    path("files/<int:cmi5_course_id>/<path:path>", views.course_file, name="cmi5_file"),
]
