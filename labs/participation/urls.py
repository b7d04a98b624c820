from django.urls import path

from . import staff_views, views

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
    path("proposals/<int:proposal_id>/files/<int:file_id>/", views.proposal_file, name="file"),
    path("calls/", views.call_list, name="calls"),
    path("calls/<int:call_id>/", views.call_detail, name="call"),
    path("accountability/", views.accountability, name="accountability"),
    path("women/", views.women_space, name="women"),
    path("map/", views.map_view, name="map"),
    path("map.svg", views.map_svg, name="map_svg"),
    # Staff pages: the city desk, the moderator queue, confirming women-space members.
    path("desk/", staff_views.desk, name="desk"),
    path("desk/calls/new/", staff_views.call_new, name="call_new"),
    path("desk/calls/<int:call_id>/edit/", staff_views.call_edit, name="call_edit"),
    path("desk/calls/<int:call_id>/phase/", staff_views.call_phase, name="call_phase"),
    path("moderation/", staff_views.moderation_queue, name="moderation"),
    path("moderation/act/", staff_views.moderation_act, name="moderation_act"),
    path("moderation/log/", staff_views.moderation_log, name="moderation_log"),
    path("women/requests/", staff_views.women_requests, name="women_requests"),
    path("women/requests/<int:membership_id>/", staff_views.women_decide, name="women_decide"),
]

api_urlpatterns = [
    path("proposals.json", views.proposal_api, name="proposals_api"),
]
