"""Configuration read from the environment, with safe defaults for a single-machine install."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

DEFAULT_SECRET_MARKER = "change-me"  # noqa: S105 - a marker, refused in production


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the message says what to set."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _secret_key(instance_path: Path) -> str:
    """Use SECRET_KEY when set; otherwise generate one once into instance/ (never committed)."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Written whole under a name of its own, then linked into place: two processes starting
    # together (workers, parallel tests) agree on whichever key was linked first, and neither
    # can read a file the other has created but not yet written.
    fd, draft = tempfile.mkstemp(dir=instance_path, prefix=".secret_key.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        os.link(draft, key_file)
    except FileExistsError:
        return key_file.read_text().strip()
    finally:
        os.unlink(draft)
    return key


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance_path / 'alongside.sqlite3'}"
    # Accept the common short forms and use the psycopg 3 driver.
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


# Room in a request for the form around the largest file: its other fields, the multipart
# boundaries and headers. A file just over UPLOAD_MAX_BYTES then still arrives whole and is
# refused beside the field, with what she typed kept; only a far larger request is cut off.
UPLOAD_FORM_ALLOWANCE = 1024 * 1024


def load_config(instance_path: Path) -> dict:
    """Everything the application reads from its environment, in one place."""
    environment = os.environ.get("ALONGSIDE_ENV", "development")
    production = environment == "production"
    upload_max_bytes = _int("UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
    secret_key = _secret_key(instance_path)
    redis_url = os.environ.get("REDIS_URL", "")
    if production and (len(secret_key) < 32 or DEFAULT_SECRET_MARKER in secret_key):
        raise ConfigError(
            "SECRET_KEY must be set to a long random value in production "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    return {
        "ENVIRONMENT": environment,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_ENGINES": {"default": _database_url(instance_path)},
        "EVIDENCE_STORAGE_PATH": os.environ.get(
            "EVIDENCE_STORAGE_PATH", str(instance_path / "evidence")
        ),
        # The largest file (exactly this size is accepted), and the largest request.
        "UPLOAD_MAX_BYTES": upload_max_bytes,
        "MAX_CONTENT_LENGTH": upload_max_bytes + UPLOAD_FORM_ALLOWANCE,
        # Antivirus: a clamd UNIX socket path or host:port; when set, every upload is scanned
        # and refused unless clamd answers within CLAMD_TIMEOUT seconds that it is clean.
        "CLAMD_SOCKET": os.environ.get("CLAMD_SOCKET", ""),
        "CLAMD_TIMEOUT": _int("CLAMD_TIMEOUT", 30),
        "EVIDENCE_QUOTA_BYTES": _int("EVIDENCE_QUOTA_BYTES", 500 * 1024 * 1024),
        # Where pg_dump and pg_restore are (for `backup`/`restore`); found by itself if unset.
        "PG_BIN_DIR": os.environ.get("PG_BIN_DIR", ""),
        "COURSES_PATH": os.environ.get("COURSES_PATH", "courses"),
        "ASSESSMENTS_PATH": os.environ.get("ASSESSMENTS_PATH", "assessments"),
        # Mail: SMTP when MAIL_SERVER is set; otherwise printed and written to instance/outbox.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 587),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "Alongside <no-reply@localhost>"
        ),
        "MAIL_OUTBOX_PATH": os.environ.get("MAIL_OUTBOX_PATH", str(instance_path / "outbox")),
        # Seconds to wait for the mail server before the message is retried later.
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 10),
        # Send a request's messages as soon as it commits. With several workers, or a mail
        # server that is slow to answer, turn this off and run `flask --app app mail send
        # --watch` beside the server instead; either way nothing is sent twice.
        "MAIL_SEND_AFTER_REQUEST": _bool("MAIL_SEND_AFTER_REQUEST", True),
        "MAIL_SEND_AFTER_REQUEST_LIMIT": _int("MAIL_SEND_AFTER_REQUEST_LIMIT", 20),
        "MAIL_MESSAGE_ID_DOMAIN": os.environ.get("MAIL_MESSAGE_ID_DOMAIN", "alongside.invalid"),
        # Where the public can reach this site; printed on certificates and in credentials.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "").rstrip("/"),
        # Size of the RSA keys organisations sign credentials with (RS256; 2048 at the least).
        "SIGNING_KEY_BITS": _int("SIGNING_KEY_BITS", 3072),
        "QUICK_EXIT_URL": os.environ.get("QUICK_EXIT_URL", "https://www.bbc.co.uk/weather"),
        "DISPLAY_TIMEZONE": os.environ.get("DISPLAY_TIMEZONE", "Europe/London"),
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 60 * 8),
        "REMEMBER_DAYS": _int("REMEMBER_DAYS", 14),
        # argon2id's cost: one of OWASP's equivalent settings (19 MiB, 2 passes, 1 lane), about
        # 20 ms a hash on one core. A stored hash made with other settings is made again at its
        # owner's next sign-in. Raise them together with the number of sign-ins a core must
        # serve (docs/architecture.md, "Sign-in cost").
        "ARGON2_TIME_COST": _int("ARGON2_TIME_COST", 2),
        "ARGON2_MEMORY_COST_KIB": _int("ARGON2_MEMORY_COST_KIB", 19 * 1024),
        "ARGON2_PARALLELISM": _int("ARGON2_PARALLELISM", 1),
        # Failed sign-ins allowed per e-mail address from one client address, and per client
        # address, before each further attempt must wait (doubling up to the longest wait).
        # Accounts are never locked (see lms/accounts/throttle.py).
        # How many reverse proxies stand in front of the app and add X-Forwarded-For: sign-in
        # waits are counted per client address, which must then be read from that header.
        "PROXY_COUNT": _int("PROXY_COUNT", 0),
        "LOGIN_FREE_FAILURES": _int("LOGIN_FREE_FAILURES", 5),
        "LOGIN_ADDRESS_FREE_FAILURES": _int("LOGIN_ADDRESS_FREE_FAILURES", 20),
        "LOGIN_MAX_WAIT_SECONDS": _int("LOGIN_MAX_WAIT_SECONDS", 15 * 60),
        "PASSWORD_RESET_HOURS": _int("PASSWORD_RESET_HOURS", 2),
        # A new person's link to choose her password: she may not read her e-mail for days.
        "INVITATION_DAYS": _int("INVITATION_DAYS", 7),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "BABEL_DEFAULT_LOCALE": "en_GB",
        # Redis, shared by every worker and instance: rate limits, the outbox's doorbell and
        # the short-lived cache. Without it each process keeps its own (one process only).
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI")
        or redis_url
        or "memory://",
        # Seconds a cached public document (published keys, status lists) is served for.
        "CACHE_SECONDS": _int("CACHE_SECONDS", 60),
        # Evidence files: a folder (EVIDENCE_STORAGE_PATH) unless EVIDENCE_STORAGE names an
        # S3-compatible bucket, `s3://bucket/prefix`, with the settings below.
        "EVIDENCE_STORAGE": os.environ.get("EVIDENCE_STORAGE", ""),
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL", ""),
        "S3_REGION": os.environ.get("S3_REGION", ""),
        "S3_ACCESS_KEY_ID": os.environ.get("S3_ACCESS_KEY_ID", ""),
        "S3_SECRET_ACCESS_KEY": os.environ.get("S3_SECRET_ACCESS_KEY", ""),
        # Server-side encryption: "AES256", or "aws:kms" with S3_SSE_KMS_KEY_ID; empty for none.
        "S3_SSE": os.environ.get("S3_SSE", ""),
        "S3_SSE_KMS_KEY_ID": os.environ.get("S3_SSE_KMS_KEY_ID", ""),
        "RATELIMIT_HEADERS_ENABLED": True,
        # "20 a minute" means in any 60 seconds, not per clock minute (twice that across one).
        "RATELIMIT_STRATEGY": os.environ.get("RATELIMIT_STRATEGY", "moving-window"),
    }
