from django.urls import path

from . import views

app_name = "hercity"

urlpatterns = [
    path("", views.workshop_list, name="workshops"),
    path("<int:workshop_id>/", views.workshop, name="workshop"),
    path("<int:workshop_id>/contribute/", views.contribute, name="contribute"),
    path("<int:workshop_id>/advance/", views.advance, name="advance"),
    path("<int:workshop_id>/chart.svg", views.chart, name="chart"),
]
