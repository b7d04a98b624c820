"""URLs of the statement store (mounted without a language prefix: /xapi/...)."""

from django.urls import path

from courses.xapi import views

urlpatterns = [
    path("about", views.about, name="xapi_about"),
    path("statements", views.statements, name="xapi_statements"),
]
