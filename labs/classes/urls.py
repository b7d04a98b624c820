from django.urls import path

from labs.classes import views

app_name = "classes"

urlpatterns = [
    path("facilitate/classes/", views.class_list, name="list"),
    path("facilitate/classes/help/", views.help_page, name="help"),
    path("facilitate/classes/<int:class_id>/", views.class_detail, name="detail"),
    path("facilitate/classes/<int:class_id>/sign-in/", views.set_sign_in_kind, name="sign_in_kind"),
    path("facilitate/classes/<int:class_id>/learners/new/", views.add_learner, name="add_learner"),
    path("facilitate/classes/<int:class_id>/learners/existing/", views.add_existing, name="add_existing"),
    path("facilitate/classes/<int:class_id>/learners/<int:membership_id>/remove/", views.remove_learner,
         name="remove_learner"),
    path("facilitate/classes/<int:class_id>/learners/<int:membership_id>/card/", views.reissue_card,
         name="reissue_card"),
    path("facilitate/classes/<int:class_id>/import/", views.import_roster, name="import"),
    path("facilitate/classes/<int:class_id>/import/confirm/", views.import_confirm, name="import_confirm"),
    path("facilitate/classes/<int:class_id>/courses/", views.assign_course, name="assign_course"),
    path("facilitate/classes/<int:class_id>/courses/<int:course_id>/progress/", views.class_progress,
         name="progress"),
    path("facilitate/classes/<int:class_id>/session/", views.register_session, name="register_session"),
    path("facilitate/classes/<int:class_id>/cards/", views.class_cards, name="cards"),
    path("card/<str:code>/", views.card_sign_in, name="card_sign_in"),
]
