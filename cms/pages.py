"""What all Sangkat page types share."""

from django.conf import settings
from django.db.models import Q
from django.utils.translation import get_language
from wagtail.models import Page, PageViewRestriction, Site

from cms.pagecache import shareable, shared_render


class SangkatPageMixin:
    """Wagtail page behaviour tuned for light pages on slow connections."""

    def get_view_restrictions(self):
        """Wagtail's rule (restrictions of this page and its ancestors, aliases resolved to their
        source) in one query: ancestor paths are prefixes of this page's tree path, so they need
        no query of their own.

        A page routed from the structure memo (cms.structure, HomePage.route) carries them already
        read: any change to a restriction (or its groups) starts a new structure generation, which
        drops that page object in every process.
        """
        remembered = getattr(self, "_sangkat_view_restrictions", None)
        if remembered is not None:
            return remembered
        return self.read_view_restrictions()

    def read_view_restrictions(self):
        step = self.steplen
        paths = [self.path[:end] for end in range(step, len(self.path) + 1, step)]
        sources_of_aliases = Page.objects.filter(path__in=paths, alias_of__isnull=False).values("alias_of")
        return PageViewRestriction.objects.filter(
            Q(page__path__in=paths, page__alias_of__isnull=True) | Q(page__in=sources_of_aliases)
        )

    def get_url(self, request=None, current_site=None):
        """Wagtail's URL, worked out once per page object and site.

        A page's URL changes only with its URL path, its locale's root or the sites: each of those
        is a page or site save, after which page objects are read afresh (the structure memo's are
        dropped, cms.structure). Every page shows a dozen links (outline, pager, crumbs).
        """
        if request is None or current_site is not None:
            return super().get_url(request=request, current_site=current_site)
        site = Site.find_for_request(request)
        urls = self.__dict__.setdefault("_sangkat_urls", {})
        # With the path and locale: an object whose slug is changed in memory (an editor's form) asks again.
        key = (site.pk if site is not None else None, self.url_path, self.locale_id)
        if key not in urls:
            urls[key] = super().get_url(request=request, current_site=site)
        return urls[key]

    def serve(self, request, *args, **kwargs):
        """Anonymous visitors share one rendering of a page revision for a short while.

        Nothing personal is in such a page (no CSRF token, no messages, no progress); logged-in
        people always get a fresh, private page. Publishing a new revision changes the key.
        """
        seconds = getattr(settings, "SANGKAT_ANONYMOUS_PAGE_CACHE_SECONDS", 0)
        if not seconds or request.GET or not shareable(request):
            response = super().serve(request, *args, **kwargs)
            if request.user.is_authenticated:
                response["Cache-Control"] = "private, no-cache"
            return response
        key = f"sangkat:page:{self.pk}:{self.latest_revision_id}:{get_language()}"
        return shared_render(request, key, seconds, lambda: super(SangkatPageMixin, self).serve(request, *args, **kwargs))
