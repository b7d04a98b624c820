"""H5P packages: validation, installation through Django's storage, and the sandboxed player."""
