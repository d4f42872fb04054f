from axes.models import AccessAttempt
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone


class Command(BaseCommand):
    help = (
        "Delete the records of failed sign-ins older than LOGIN_LOCKOUT_MINUTES. Lockouts under way stay "
        "(axes_reset would lift them all)."
    )

    def handle(self, *args, **options):
        # Axes deletes these at the next failed sign-in; a quiet site would otherwise keep its
        # last failures (a username and an address each) for good.
        deleted, _ = AccessAttempt.objects.filter(
            attempt_time__lte=timezone.now() - settings.AXES_COOLOFF_TIME
        ).delete()
        self.stdout.write(f"{deleted} expired failed sign-in records deleted.")
