"""The built-in OAuth 2.0 login of mailboxes: consent flows, token storage, wiring.

- :mod:`tinbai.oauth.flows`: the consent (``tinbai auth login``): Google's installed-app
  flow (loopback redirect with PKCE, RFC 8252 and RFC 7636) and the device-code flow
  (RFC 8628) Microsoft recommends for programs without a browser of their own;
- :mod:`tinbai.oauth.vault`: the refresh token, encrypted (Fernet) under the data folder;
- :mod:`tinbai.oauth.wiring`: the token source each IMAP/SMTP login uses.
"""
