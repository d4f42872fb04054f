"""MySQL/MariaDB through django-prometheus's backend, its cursor wrapper class built once (chatroom.dbbackends)."""

from django_prometheus.db.backends.mysql import base

from chatroom.dbbackends import cursor_wrapper_class

DatabaseFeatures = base.DatabaseFeatures


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        return cursor_wrapper_class(self.CURSOR_CLASS, self.alias, self.vendor)(self.connection.cursor())
