"""Sign-in and sign-out pages."""

from django.contrib.auth import views as auth_views

from accounts.forms import EmailAuthenticationForm


class LoginView(auth_views.LoginView):
    authentication_form = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Sign-out is POST only (Django's default), so no link or image can sign someone out."""
