from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts import signals  # starts the session clock at sign-in

        # Django records the sign-in time outside any scope; ours does it inside the account's.
        if user_logged_in.disconnect(dispatch_uid="update_last_login"):
            user_logged_in.connect(
                signals.update_last_login_in_scope, dispatch_uid="accounts_update_last_login"
            )
