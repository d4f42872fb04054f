"""Forms behind the login and registration pages."""

from django.contrib.auth.forms import UserCreationForm

from accounts.models import User
from accounts.services import user_register
from chatroom.exceptions import Invalid


class RegisterForm(UserCreationForm):
    """Django's sign-up form (password validators, confirmation) that creates the user through the service."""

    class Meta(UserCreationForm.Meta):
        model = User

    def register(self) -> User | None:
        """Create the user, or return None with the service's errors added to the form (a name taken meanwhile)."""
        try:
            return user_register(username=self.cleaned_data["username"], password=self.cleaned_data["password1"])
        except Invalid as exc:
            for field, messages in exc.fields.items():
                self.add_error(field if field in self.fields else None, messages)
            return None
