from django.urls import path

from labs import views

urlpatterns = [
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/new/", views.plan_session, name="session_plan"),
    path("sessions/<int:session_id>/", views.session_detail, name="session_detail"),
    path("sessions/<int:session_id>/register/", views.register, name="session_register"),
    path("sessions/<int:session_id>/unregister/", views.cancel_registration, name="session_unregister"),
    path("sessions/<int:session_id>/run/", views.run_session, name="session_run"),
    path("sessions/<int:session_id>/attendance/", views.mark_attendance, name="session_attendance"),
    path("sessions/<int:session_id>/attendance/all/", views.mark_all_present, name="session_mark_all"),
    path("sessions/<int:session_id>/attendance/all/undo/", views.undo_mark_all, name="session_mark_all_undo"),
    path("sessions/<int:session_id>/attendance/<int:attendance_id>/link/", views.link_walk_in,
         name="session_link_walk_in"),
    path("sessions/<int:session_id>/qr.svg", views.session_qr, name="session_qr"),
    path("sessions/<int:session_id>/check-in/", views.check_in, name="session_check_in"),
    path("sessions/<int:session_id>/report/", views.session_report, name="session_report"),
    path("sessions/<int:session_id>/edit/", views.edit_session, name="session_edit"),
    path("sessions/<int:session_id>/ambassadors/", views.assign_ambassadors, name="session_ambassadors"),
    path("sessions/<int:session_id>/cancel/", views.cancel_session, name="session_cancel"),
    path("centers/dashboard/", views.dashboard, name="centers_dashboard"),
]
