from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from ambassadors import urls as ambassadors_urls
from cms import offline, privacy_views, routing
from cms import views as cms_views
from courses import urls as courses_urls
from courses.xapi import urls as xapi_urls
from games import openbadges_urls
from games import urls as games_urls
from games.minecraft import urls as minecraft_urls
from labs import learner_views
from labs import urls as labs_urls
from labs.classes import urls as classes_urls
from labs.devices import urls as devices_urls
from labs.hercity import urls as hercity_urls
from labs.participation import urls as participation_urls
from site_layer import views as site_views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/setlang/", cms_views.set_language, name="set_language"),
    path("health/", cms_views.health, name="health"),
    path("sw.js", offline.service_worker, name="service_worker"),
    path("api/participation/", include(participation_urls.api_urlpatterns)),
    path("openbadges/", include((openbadges_urls.api_urlpatterns, "openbadges_api"))),
    path("xapi/", include(xapi_urls)),
    path("h5p/", include("courses.h5p.urls")),
    path("scorm/", include("courses.scorm.urls")),
    path("cmi5/", include("courses.cmi5.urls")),
]

urlpatterns += i18n_patterns(
    path("offline/", offline.offline, name="offline"),
    path("manifest.webmanifest", offline.web_manifest, name="web_manifest"),
    path("accounts/signup/", cms_views.signup, name="signup"),
    path("accounts/login/", cms_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", cms_views.profile, name="profile"),
    path("accounts/new-password/", cms_views.choose_password, name="choose_password"),
    path("notifications/", cms_views.notifications, name="notifications"),
    path("account/data/", privacy_views.my_data, name="my_data"),
    path("account/data/download/", privacy_views.download, name="my_data_download"),
    path("account/data/delete/", privacy_views.request_deletion, name="request_account_deletion"),
    path("account/data/delete/cancel/", privacy_views.cancel_deletion, name="cancel_account_deletion"),
    path("staff/privacy/requests/", privacy_views.staff_requests, name="privacy_requests"),
    path("staff/privacy/requests/<int:request_id>/fulfil/", privacy_views.fulfil, name="fulfil_deletion_request"),
    path("facilitate/centers/<int:center_id>/learners/", learner_views.center_learners, name="center_learners"),
    path(
        "facilitate/centers/<int:center_id>/learners/<int:learner_id>/reset-password/",
        learner_views.reset_learner_password, name="reset_learner_password",
    ),
    path(
        "facilitate/centers/<int:center_id>/learners/<int:learner_id>/guardian-consent/",
        learner_views.set_guardian_consent, name="set_guardian_consent",
    ),
    path("", include(devices_urls)),
    path("", include(classes_urls)),
    # The facilitators' hub links courses, centers, Her City and the women's space (site_layer.views).
    path("facilitate/", site_views.facilitator_home, name="facilitate"),
    path("participate/", include(participation_urls)),
    path("codesign/", include(minecraft_urls)),
    path("", include(games_urls)),
    path("participate/hercity/", include(hercity_urls)),
    path("", include(courses_urls)),
    path("", include(labs_urls)),
    path("", include(ambassadors_urls)),
    # Wagtail serves every other path (home, courses, lessons) in the visitor's language; its
    # page-serving view is wrapped so routing skips three lookups per page (cms.routing).
    path("", include(wagtail_urls.urlpatterns[:-1])),
    re_path(wagtail_urls.serve_pattern, routing.serve, name="wagtail_serve"),
    prefix_default_language=True,
)

if settings.DEBUG or settings.SANGKAT_SERVE_MEDIA:
    from django.conf.urls.static import static

    from cms.media import serve_public_media

    # Development, or a plain-http pilot without a proxy (SERVE_MEDIA=1); never `private/`:
    # restricted files go out through views that check access (cms.media).
    if settings.DEBUG:
        urlpatterns = static(settings.MEDIA_URL, view=serve_public_media,
                             document_root=settings.MEDIA_ROOT) + urlpatterns
    elif settings.MEDIA_URL.startswith("/"):
        # `static()` serves nothing with DEBUG off.
        import re

        urlpatterns = [
            re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$", serve_public_media,
                    {"document_root": settings.MEDIA_ROOT}),
            *urlpatterns,
        ]
