"""The only URLs a package's own origin answers (H5P_PACKAGE_ORIGIN; courses/h5p/package_host.py).
Each view gets the package of the host as `package_id` and serves nothing of another package."""

from django.urls import path

from courses.h5p import package_host

urlpatterns = [
    path("h5p/play/<uuid:lesson_key>/<str:block_id>/", package_host.play),
    path("h5p/warm/<uuid:lesson_key>/<str:block_id>/", package_host.warm),
    path("h5p/sw.js", package_host.worker),
    path("h5p/static/<path:path>", package_host.static_file),
    path("h5p/files/content/<int:path_package_id>/<path:path>", package_host.content_file),
    path("h5p/files/libraries/<str:folder>/<path:path>", package_host.library_file),
]
