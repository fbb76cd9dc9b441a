from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from interactions_app.views import saved_views
from interactions_app.views.health import healthz
from interactions_app.views.preferences import zone_preference

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="interactions:list", permanent=False)),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("interactions/", include("interactions_app.urls")),
    path("preferences/time-zone/", zone_preference, name="zone_preference"),
    path("views/", saved_views.saved_view_list, name="saved_views"),
    path("views/new/", saved_views.saved_view_new, name="saved_view_new"),
    path("views/<int:pk>/", saved_views.saved_view_change, name="saved_view_change"),
    path("views/<int:pk>/delete/", saved_views.saved_view_delete, name="saved_view_delete"),
    path("admin/", admin.site.urls),
]
