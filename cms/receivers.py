"""The core's signal wiring, connected by CmsConfig.ready(): roles after migrate, the remembered
sites, home pages, routes and lesson outlines forgotten when pages, sites or view restrictions change,
role changes audited and the kept role names dropped."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from wagtail.models import PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms import rolecache, routing, structure
from cms.middleware import SiteLookupCacheMiddleware
from cms.services import ensure_roles, record_role_change


def connect(config) -> None:
    post_migrate.connect(ensure_roles, sender=config, dispatch_uid="sangkat-ensure-roles")

    post_save.connect(SiteLookupCacheMiddleware.forget, sender=Site, dispatch_uid="sangkat-forget-sites")
    post_delete.connect(SiteLookupCacheMiddleware.forget, sender=Site, dispatch_uid="sangkat-forget-sites-delete")

    # Any page saved, moved or deleted (or a site changed): the remembered home pages are read again.
    for signal, name in ((post_save, "save"), (post_delete, "delete")):
        signal.connect(routing.forget_if_page_or_site, dispatch_uid=f"sangkat-forget-roots-{name}")
    for signal, name in ((page_published, "publish"), (page_unpublished, "unpublish"), (post_page_move, "move")):
        signal.connect(routing.forget, dispatch_uid=f"sangkat-forget-roots-{name}")

    # The same changes make every process forget the routes and lesson outlines it remembered.
    for signal, name in ((post_save, "save"), (post_delete, "delete")):
        signal.connect(structure.changed_if_page_or_site, dispatch_uid=f"sangkat-structure-{name}")
    for signal, name in ((page_published, "publish"), (page_unpublished, "unpublish"), (post_page_move, "move")):
        signal.connect(structure.changed, dispatch_uid=f"sangkat-structure-{name}")
    m2m_changed.connect(structure.changed_if_restriction_groups, sender=PageViewRestriction.groups.through,
                        dispatch_uid="sangkat-structure-restriction-groups")

    m2m_changed.connect(record_role_change, sender=get_user_model().groups.through,
                        dispatch_uid="sangkat-audit-roles")

    # Whoever's groups change, or a group renamed or deleted: the kept role names are dropped.
    m2m_changed.connect(rolecache.memberships_changed, sender=get_user_model().groups.through,
                        dispatch_uid="sangkat-rolecache-members")
    post_save.connect(rolecache.everyone_changed, sender=Group, dispatch_uid="sangkat-rolecache-group-save")
    post_delete.connect(rolecache.everyone_changed, sender=Group, dispatch_uid="sangkat-rolecache-group-delete")
