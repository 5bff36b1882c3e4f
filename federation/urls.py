from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_audit
from .forms import LoginForm
from .passwords import PasswordChangeView
from .two_factor import views as two_factor

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="federation/login.html", authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", PasswordChangeView.as_view(), name="password_change"),
    path("accounts/two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("accounts/two-factor/qr.svg", two_factor.qr_code, name="two_factor_qr"),
    path("accounts/two-factor/backup-codes/", two_factor.backup_codes, name="two_factor_backup_codes"),
    path("accounts/two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path("audit/", views_audit.audit_trail, name="audit_trail"),
    path("healthz/", views.healthz, name="healthz"),
]
