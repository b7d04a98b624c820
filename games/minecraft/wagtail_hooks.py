"""Staff draw co-design sites (GeoJSON, validated, previewed) and edit the block categories in
Wagtail's admin."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .forms import SiteAdminForm
from .models import BlockCategory, Site
from .services import render_site_preview


class SiteViewSet(SnippetViewSet):
    model = Site
    icon = "site"
    menu_label = _("Sites")
    list_display = ["name_en", "name_km", "preview_image", "width_m", "depth_m", "created_at"]
    search_fields = ["name_en", "name_km"]
    edit_handler = ObjectList([
        FieldPanel("name_en"), FieldPanel("name_km"), FieldPanel("description"), FieldPanel("crs"),
        FieldPanel("geojson"), FieldPanel("geojson_file"), FieldPanel("heightmap"), FieldPanel("heightmap_max_m"),
    ], base_form_class=SiteAdminForm)


class BlockCategoryViewSet(SnippetViewSet):
    model = BlockCategory
    icon = "list-ul"
    menu_label = _("Block categories")
    list_display = ["pattern", "category"]
    list_filter = ["category"]
    search_fields = ["pattern"]


class BlockByBlockGroup(SnippetViewSetGroup):
    items = (SiteViewSet, BlockCategoryViewSet)
    menu_icon = "site"
    menu_label = _("Block by Block")
    menu_order = 240


register_snippet(BlockByBlockGroup)


def _after_site_saved(request, instance):
    if isinstance(instance, Site):
        if instance.created_by_id is None and request.user.is_authenticated:
            Site.objects.filter(pk=instance.pk).update(created_by=request.user)
        render_site_preview(site=instance)


hooks.register("after_create_snippet", _after_site_saved)
hooks.register("after_edit_snippet", _after_site_saved)
