"""Open Badges 2.0 URLs.

`api_urlpatterns` are mounted at /openbadges/ without a language prefix (hosted JSON-LD and images:
their URLs are printed inside baked badges and must never change); `urlpatterns` are the
human pages, mounted under /<language>/badges/ by games.urls."""

from django.urls import path

from games import openbadges_views as views

app_name = "openbadges"

api_urlpatterns = [
    path("issuer", views.issuer, name="issuer"),
    path("badges/<slug:slug>", views.badge_class, name="badge_class"),
    path("badges/<slug:slug>/image.png", views.badge_image, name="badge_image"),
    path("assertions/<uuid:uid>", views.assertion, name="assertion"),
    path("assertions/<uuid:uid>/badge.png", views.baked, name="baked"),
    path("revocations", views.revocations, name="revocations"),
]

urlpatterns = [
    path("verify/", views.verify, name="verify"),
]
