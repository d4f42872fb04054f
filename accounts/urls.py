from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/register/", api.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", api.LoginView.as_view(), name="auth-token"),
    path("auth/token/refresh/", api.RefreshView.as_view(), name="auth-token-refresh"),
    path("auth/logout/", api.LogoutView.as_view(), name="auth-logout"),
    path("auth/ws-ticket/", api.TicketView.as_view(), name="auth-ws-ticket"),
    # me/ is messaging.urls': its PATCH and DELETE reach into rooms.
]
