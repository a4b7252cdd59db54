"""Django's ModelBackend inside the identity scopes (accounts.identity): finding the account by
the address typed needs account_lookup, loading the signed-in account needs account_scope."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.identity import account_lookup, account_scope
from accounts.models import User


class AccountBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        email = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        with account_lookup(email):
            user = super().authenticate(request, username=username, password=password, **kwargs)
        return user if isinstance(user, User) else None

    def get_user(self, user_id: Any) -> User | None:
        with account_scope(user_id):
            user = super().get_user(user_id)
        return user if isinstance(user, User) else None
