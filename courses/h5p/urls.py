"""URLs of the H5P player and its files (outside the language prefix: the player picks the language)."""

from django.urls import path

from courses.h5p import views

urlpatterns = [
    path("play/<uuid:lesson_key>/<str:block_id>/", views.play, name="h5p_play"),
    path("user-data/<uuid:lesson_key>/<str:block_id>/", views.user_data, name="h5p_user_data"),
    path("files/content/<int:package_id>/<path:path>", views.content_file, name="h5p_file_content"),
    path("files/libraries/<str:folder>/<path:path>", views.library_file, name="h5p_file_library"),
]
