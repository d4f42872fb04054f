from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

api_patterns = [
    path("", include("accounts.urls")),
    path("", include("rooms.urls")),
    path("", include("messaging.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script as a file, which the Content-Security-Policy allows.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    path("", include("chatroom.page_urls")),
]

# In production nginx serves /media/; in debug, Django does.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
