"""TLS for providers: the system's certificate authorities, plus those of an extra bundle.

Certificates are always verified: nothing here (or anywhere in Parley) turns that off. An
extra bundle only adds authorities to trust, as for a company's TLS inspection.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from .errors import CaBundleError


def tls_context(ca_bundle: str = "") -> ssl.SSLContext:
    """The system's authorities, and those in the PEM file ``ca_bundle`` when one is named.

    A file that is missing, unreadable or holds no PEM certificate raises ``CaBundleError``,
    whose sentence names the setting and says what to do.
    """
    context = ssl.create_default_context()
    if ca_bundle:
        path = Path(ca_bundle).expanduser()
        try:
            if b"-----BEGIN CERTIFICATE-----" not in path.read_bytes():
                raise _unusable(ca_bundle, "it holds no PEM certificate (BEGIN CERTIFICATE)")
            context.load_verify_locations(cafile=path)
        except FileNotFoundError:
            raise _unusable(ca_bundle, "there is no such file") from None
        except IsADirectoryError:
            raise _unusable(ca_bundle, "it is a folder, not a file") from None
        except PermissionError:
            raise _unusable(ca_bundle, "Parley may not read it") from None
        except ssl.SSLError as error:
            reason = f" ({error.reason})" if error.reason else ""
            raise _unusable(ca_bundle, f"its certificates could not be loaded{reason}") from None
        except OSError as error:
            raise _unusable(ca_bundle, f"it could not be opened ({error.strerror})") from None
    return verified(context)


def verified(context: ssl.SSLContext) -> ssl.SSLContext:
    """``context``, refused (``ValueError``) if it would not check certificates and host names."""
    if context.verify_mode is not ssl.CERT_REQUIRED or not context.check_hostname:
        raise ValueError("Parley never turns TLS certificate verification off.")
    return context


def _unusable(ca_bundle: str, reason: str) -> CaBundleError:
    return CaBundleError(
        f"The CA bundle {ca_bundle} set in Settings → Network could not be read: {reason}"
    )
