"""Block by Block pages: facilitators run sessions; participants see the gallery, vote, submit."""

from django.urls import path

from . import views

app_name = "minecraft"

urlpatterns = [
    path("", views.session_list, name="sessions"),
    path("new/", views.session_create, name="session_create"),
    path("<int:session_id>/", views.session_detail, name="session"),
    path("<int:session_id>/world/", views.generate_world, name="generate_world"),
    path("<int:session_id>/world.zip", views.download_world, name="download_world"),
    path("<int:session_id>/builds/<int:build_id>/<slug:picture>.png", views.render_picture, name="render"),
    path("<int:session_id>/capture/", views.capture, name="capture"),
    path("<int:session_id>/live/", views.live, name="live"),
    path("<int:session_id>/teams/<int:team_id>/members/", views.add_member, name="add_member"),
    path("<int:session_id>/gallery/", views.gallery, name="gallery"),
    path("<int:session_id>/teams/<int:team_id>/vote/", views.vote, name="vote"),
    path("<int:session_id>/teams/<int:team_id>/proposal/", views.proposal, name="proposal"),
]
