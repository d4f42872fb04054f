from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "is_active", "is_staff", "date_joined", "last_login"]
    fieldsets = (*BaseUserAdmin.fieldsets, ("Chat", {"fields": ["avatar"]}))
