from django.apps import AppConfig


class SiteLayerConfig(AppConfig):
    """No models: the root URLconf (site_layer.urls) and `manage.py seed_demo`, which use every app."""

    name = "site_layer"
