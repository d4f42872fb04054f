"""
The Moderators group: the role that lets staff moderate. A staff user in it
sees every table the moderation admins show and may run their actions
(moderation.selectors.user_may_moderate). Superusers need no group.
"""

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

MODERATORS_GROUP = "Moderators"

# (app label, codename): the moderate permission, and the right to see every table it acts on.
MODERATOR_PERMISSIONS = [
    ("moderation", "moderate"),
    ("moderation", "view_moderationaction"),
    ("accounts", "view_user"),
    ("rooms", "view_room"),
    ("rooms", "view_membership"),
    ("rooms", "view_roomban"),
    ("messaging", "view_message"),
    ("messaging", "view_messageedit"),
    ("messaging", "view_reaction"),
    ("messaging", "view_attachment"),
]


def moderators_group_ensure(*, using: str = DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    """
    Create the group, or give it back any permission it lost; connected to
    post_migrate, once the permissions themselves exist. Permissions added to
    it by hand stay.
    """
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.using(using).get_or_create(name=MODERATORS_GROUP)
    permissions = permission_model.objects.using(using)
    for app_label, codename in MODERATOR_PERMISSIONS:
        permission = permissions.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:
            group.permissions.add(permission)
