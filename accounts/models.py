from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from chatroom.images import AvatarPath


class User(AbstractUser):
    """A person who chats. Usernames are unique regardless of case (see services.user_register)."""

    avatar = models.ImageField(_("avatar"), upload_to=AvatarPath("avatars/users"), blank=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
