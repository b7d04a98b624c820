from django.urls import path

from . import views

app_name = "devices"

urlpatterns = [
    path("facilitate/centers/<int:center_id>/devices/", views.center_devices, name="center_devices"),
    path("facilitate/centers/<int:center_id>/devices/<int:device_id>/revoke/", views.revoke_device,
         name="revoke_device"),
    path("facilitate/centers/<int:center_id>/learners/<int:learner_id>/pictures/", views.learner_picture_password,
         name="learner_picture_password"),
    path("facilitate/centers/<int:center_id>/learners/<int:learner_id>/pictures/unlock/",
         views.unlock_picture_password, name="unlock_picture_password"),
    path("facilitate/centers/<int:center_id>/learners/<int:learner_id>/pictures/remove/",
         views.remove_picture_password, name="remove_picture_password"),
    path("facilitate/classes/<int:class_id>/pictures/", views.class_pictures, name="class_pictures"),
    path("account/pictures/", views.choose_own, name="choose_own"),
    path("facilitate/devices/help/", views.help_page, name="help"),
    path("device/", views.roster, name="roster"),
    path("device/learners/<int:learner_id>/", views.sign_in, name="sign_in"),
    path("device/switch/", views.switch_learner, name="switch"),
]
