from django.urls import path

from ambassadors import views

urlpatterns = [
    path("ambassadors/", views.track, name="ambassador_track"),
    path("ambassadors/dashboard/", views.dashboard, name="ambassador_dashboard"),
    path("ambassadors/review/", views.review, name="ambassador_review"),
    path("ambassadors/review/<int:application_id>/", views.decide, name="ambassador_decide"),
    path("ambassadors/certify/<int:user_id>/", views.certify, name="ambassador_certify"),
    path("ambassadors/practice/", views.practice, name="ambassador_practice"),
    path("ambassadors/certificate/print/", views.certificate_print, name="ambassador_certificate_print"),
    path("ambassadors/certificates/<uuid:number>/", views.certificate, name="ambassador_certificate"),
]
