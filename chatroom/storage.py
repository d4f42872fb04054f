"""Where collectstatic puts the static files outside debug, and where attachments are kept."""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.files.storage import Storage, storages


class HashedStaticFilesStorage(ManifestStaticFilesStorage):
    """
    Content-hashed file names (chat.3f2a9c0e1b7d.js), so that nginx can let browsers
    keep them for a year: a changed file gets a new name. The chat page's ES modules
    import each other by relative path ("./store.js"); this rewrites those imports
    to the hashed names too (static/js/README.md).
    """

    support_js_module_import_aggregation = True


class AttachmentStorage(Storage):
    """
    The storage of attachments: whatever STORAGES["attachments"] names (local files, or S3
    through django-storages), looked up on every call rather than when the model is
    imported, so that settings (and tests) can change it. A FileField wants a Storage.
    """

    def _backend(self) -> Storage:
        return storages["attachments"]

    def open(self, name, mode="rb"):
        return self._backend().open(name, mode)

    def save(self, name, content, max_length=None):
        return self._backend().save(name, content, max_length=max_length)

    def delete(self, name):
        return self._backend().delete(name)

    def exists(self, name):
        return self._backend().exists(name)

    def size(self, name):
        return self._backend().size(name)

    def url(self, name):
        return self._backend().url(name)

    def path(self, name):
        return self._backend().path(name)

    def listdir(self, path):
        return self._backend().listdir(path)

    def generate_filename(self, filename):
        return self._backend().generate_filename(filename)

    def get_available_name(self, name, max_length=None):
        return self._backend().get_available_name(name, max_length=max_length)

    def get_modified_time(self, name):
        return self._backend().get_modified_time(name)


_attachment_storage = AttachmentStorage()


def attachment_storage() -> AttachmentStorage:
    """The FileField's storage callable (migrations record this name, not a backend)."""
    return _attachment_storage
