"""Where collectstatic puts the static files outside debug."""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage


class HashedStaticFilesStorage(ManifestStaticFilesStorage):
    """
    Content-hashed file names (chat.3f2a9c0e1b7d.js), so that nginx can let browsers
    keep them for a year: a changed file gets a new name. The chat page's ES modules
    import each other by relative path ("./store.js"); this rewrites those imports
    to the hashed names too (static/js/README.md).
    """

    support_js_module_import_aggregation = True
