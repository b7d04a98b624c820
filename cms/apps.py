"""App configs owned by cms: the project app itself and Wagtail's user admin with Sangkat's fields."""

from django.apps import AppConfig
from wagtail.users.apps import WagtailUsersAppConfig


class CmsConfig(AppConfig):
    default = True  # this module also holds the Wagtail users config below
    name = "cms"
    verbose_name = "Sangkat site and accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        # In ready(): these modules import models, importable only once the app registry is ready.
        from cms.services import ensure_roles

        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="sangkat-ensure-roles")

        from django.db.models.signals import m2m_changed, post_delete, post_save
        from wagtail.models import Site

        # (same reason: ready())
        from cms.middleware import SiteLookupCacheMiddleware

        post_save.connect(SiteLookupCacheMiddleware.forget, sender=Site, dispatch_uid="sangkat-forget-sites")
        post_delete.connect(SiteLookupCacheMiddleware.forget, sender=Site, dispatch_uid="sangkat-forget-sites-delete")

        from wagtail.signals import page_published, page_unpublished, post_page_move

        # (same reason: ready())
        from cms import routing

        # Any page saved, moved or deleted (or a site changed): the remembered home pages are read again.
        for signal, name in ((post_save, "save"), (post_delete, "delete")):
            signal.connect(routing.forget_if_page_or_site, dispatch_uid=f"sangkat-forget-roots-{name}")
        for signal, name in ((page_published, "publish"), (page_unpublished, "unpublish"), (post_page_move, "move")):
            signal.connect(routing.forget, dispatch_uid=f"sangkat-forget-roots-{name}")

        from cms import structure

        # The same changes make every process forget the routes and lesson outlines it remembered.
        for signal, name in ((post_save, "save"), (post_delete, "delete")):
            signal.connect(structure.changed_if_page_or_site, dispatch_uid=f"sangkat-structure-{name}")
        for signal, name in ((page_published, "publish"), (page_unpublished, "unpublish"), (post_page_move, "move")):
            signal.connect(structure.changed, dispatch_uid=f"sangkat-structure-{name}")
        from wagtail.models import PageViewRestriction

        m2m_changed.connect(structure.changed_if_restriction_groups, sender=PageViewRestriction.groups.through,
                            dispatch_uid="sangkat-structure-restriction-groups")

        from django.contrib.auth import get_user_model

        # (same reason: ready())
        from cms.services import record_role_change

        m2m_changed.connect(record_role_change, sender=get_user_model().groups.through,
                            dispatch_uid="sangkat-audit-roles")

        from django.contrib.auth.models import Group

        # (same reason: ready())
        from cms import rolecache

        # Whoever's groups change, or a group renamed or deleted: the kept role names are dropped.
        m2m_changed.connect(rolecache.memberships_changed, sender=get_user_model().groups.through,
                            dispatch_uid="sangkat-rolecache-members")
        post_save.connect(rolecache.everyone_changed, sender=Group, dispatch_uid="sangkat-rolecache-group-save")
        post_delete.connect(rolecache.everyone_changed, sender=Group, dispatch_uid="sangkat-rolecache-group-delete")


class SangkatUsersAppConfig(WagtailUsersAppConfig):
    user_viewset = "cms.viewsets.SangkatUserViewSet"
