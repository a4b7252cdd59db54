"""Re-encrypt every authenticator's secret with the first of TWO_FACTOR_KEYS (key rotation: put
the new key first, run this, then remove the old key)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts.identity import account_scope, accounts_with_two_factor
from accounts.models import TOTPDevice


class Command(BaseCommand):
    help = "Re-encrypt the two-factor (TOTP) secrets with the newest of TWO_FACTOR_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        owners = accounts_with_two_factor()
        devices = 0
        for index, user_id in enumerate(owners, start=1):
            # Each account's devices are readable only in its own scope; saving writes the key
            # again (EncryptedSecretField encrypts with the first key on every write).
            with account_scope(user_id):
                for device in TOTPDevice.objects.select_for_update().filter(user_id=user_id):
                    device.save(update_fields=["key"])
                    devices += 1
            if index % 500 == 0 or index == len(owners):
                self.stdout.write(f"[{index}/{len(owners)}] accounts")
        self.stdout.write(f"Re-encrypted {devices} authenticator secrets.")
