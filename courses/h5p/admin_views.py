"""Admin pages for shared H5P libraries: what is installed, and upgrading one on purpose.

Only people with the `h5p.upgrade_h5plibrary` permission see them (superusers, and groups given it
in Settings → Groups): an upgrade changes the code of every activity that uses the library.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from courses.h5p import selectors, services
from courses.h5p.models import H5PLibraryUpgrade


def _require_permission(request) -> None:
    if not services.may_upgrade_libraries(request.user):
        raise PermissionDenied


@require_http_methods(["GET"])
def libraries(request):
    _require_permission(request)
    return TemplateResponse(request, "h5p/admin/libraries.html", {
        "libraries": selectors.libraries_for_admin(),
        "page_title": _("H5P libraries"), "header_title": _("H5P libraries"), "header_icon": "code",
    })


@require_http_methods(["GET", "POST"])
def upgrade(request, upgrade_id: int):
    """GET: what the upgrade changes (which activities); POST: apply it, or discard it."""
    _require_permission(request)
    waiting = selectors.library_upgrade(upgrade_id=upgrade_id)
    if waiting is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "upgrade":
                library = services.upgrade_library(actor=request.user, upgrade_id=waiting.pk)
                messages.success(request, _("%(library)s is now at version %(version)s.")
                                 % {"library": library, "version": library.version})
                return redirect("h5p_libraries")
            if action == "discard":
                services.discard_library_upgrade(actor=request.user, upgrade_id=waiting.pk)
                messages.success(request, _("Version %(version)s of %(library)s was discarded.")
                                 % {"version": waiting.version, "library": waiting.library})
                return redirect("h5p_libraries")
        except H5PLibraryUpgrade.DoesNotExist:
            raise Http404 from None
        except services.UpgradeRefused as refused:
            messages.error(request, refused.message)
            return redirect("h5p_libraries")
    return TemplateResponse(request, "h5p/admin/library_upgrade.html", {
        "upgrade": waiting, "library": waiting.library,
        "packages": selectors.packages_using(library=waiting.library),
        "page_title": _("Upgrade an H5P library"), "header_title": _("Upgrade an H5P library"),
        "header_icon": "code",
    })
