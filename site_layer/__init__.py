"""The site layer: where the apps are put together (the root URLconf, the demo). It may import every
app; no app imports it (docs/architecture.md)."""
