"""People's accounts: the email-login User, sign-in and sign-out."""
