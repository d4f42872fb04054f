"""The server-rendered pages: sign-in, sign-up, and the chat itself."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.views import LoginPageView, RegisterPageView, language_set
from chatroom.i18n import javascript_catalog
from rooms.views import home, join_page, room_page, rooms_page

urlpatterns = [
    path("", home, name="home"),
    path("login/", LoginPageView.as_view(), name="login"),
    path("register/", RegisterPageView.as_view(), name="register"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("rooms/", rooms_page, name="rooms-page"),
    path("rooms/<id:room_id>/", room_page, name="room-page"),
    path("join/<str:invite_code>/", join_page, name="join-page"),
    # The language switcher's POST (Django's set_language, which also saves it on a signed-in user).
    path("i18n/setlang/", language_set, name="set_language"),
    path("jsi18n/<str:lang>/", javascript_catalog, name="javascript-catalog"),
]
