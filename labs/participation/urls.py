from django.urls import path

from . import views

app_name = "participation"

urlpatterns = [
    path("", views.proposal_list, name="proposals"),
    path("proposals.csv", views.proposal_csv, name="proposals_csv"),
    path("proposals/new/", views.proposal_new, name="proposal_new"),
    path("proposals/<int:proposal_id>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:proposal_id>/support/", views.support, name="support"),
    path("proposals/<int:proposal_id>/withdraw/", views.withdraw, name="withdraw"),
    path("proposals/<int:proposal_id>/comment/", views.comment, name="comment"),
    path("proposals/<int:proposal_id>/report/", views.report, name="report"),
    path("proposals/<int:proposal_id>/moderate/", views.moderate, name="moderate"),
    path("proposals/<int:proposal_id>/answer/", views.answer, name="answer"),
    path("proposals/<int:proposal_id>/carry/", views.carry, name="carry"),
    path("calls/", views.call_list, name="calls"),
    path("calls/<int:call_id>/", views.call_detail, name="call"),
    path("accountability/", views.accountability, name="accountability"),
    path("women/", views.women_space, name="women"),
    path("map/", views.map_view, name="map"),
    path("map.svg", views.map_svg, name="map_svg"),
]

api_urlpatterns = [
    path("proposals.json", views.proposal_api, name="proposals_api"),
]
