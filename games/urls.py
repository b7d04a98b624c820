from django.urls import include, path

from games import openbadges_urls, views

app_name = "games"

urlpatterns = [
    path("trophies/", views.trophies, name="trophies"),
    path("leaderboards/", views.leaderboards, name="leaderboards"),
    path("leaderboards/visibility/", views.leaderboard_visibility, name="leaderboard_visibility"),
    path("badges/", include((openbadges_urls.urlpatterns, "openbadges"))),
]
