"""Settings for Intervision: one file, driven by environment variables.

Every value comes from the environment through the small typed helpers below; a value that
cannot be read (``DEBUG=perhaps``, ``EMAIL_PORT=abc``) stops the process with a message naming
the variable instead of silently falling back. Without any variables set the project runs on
an SQLite file and Celery's filesystem broker, so a fresh machine needs no servers.
"""

import base64
import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (DEBUG=1 allows a development key)."
        )
    SECRET_KEY = "development-only-key-never-use-in-production"  # noqa: S105

# Session notes are encrypted with their own keys, never with SECRET_KEY: comma-separated
# Fernet keys, newest first. The newest encrypts; every key in the list decrypts, so a new key
# goes in front, `manage.py rotate_note_keys` re-encrypts, and then the old key can be removed.
NOTES_ENCRYPTION_KEYS = env_list("NOTES_ENCRYPTION_KEYS", [])
if not NOTES_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "NOTES_ENCRYPTION_KEYS is not set. Set it in the environment (DEBUG=1 allows a"
            " development key); make one with: python -c \"from cryptography.fernet import"
            " Fernet; print(Fernet.generate_key().decode())\""
        )
    NOTES_ENCRYPTION_KEYS = ["ZGV2ZWxvcG1lbnQtb25seS1ub3Rlcy1rZXktMzJieXQ="]  # development only


def _check_fernet_keys(name: str, keys: list[str]) -> None:
    # What Fernet itself checks (32 bytes, url-safe base64), without loading cryptography into
    # every process that reads the settings.
    for number, key in enumerate(keys, 1):
        try:
            if len(base64.urlsafe_b64decode(key)) != 32:
                raise ValueError
        except (ValueError, TypeError):
            # Never echo the key itself: it is a secret even when malformed.
            raise ImproperlyConfigured(
                f"{name}: key number {number} is not a Fernet key (32 url-safe base64-encoded bytes)"
            ) from None


_check_fernet_keys("NOTES_ENCRYPTION_KEYS", NOTES_ENCRYPTION_KEYS)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "residents",
    "sessions_app",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signed-in pages in the language stored on the account (after LocaleMiddleware).
    "residents.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "residents.middleware.SessionLimitsMiddleware",
    "residents.oidc.LocalPasswordsMiddleware",
    # Personal data is never kept by shared caches or the browser's disk (Cache-Control).
    "residents.middleware.PrivateResponsesMiddleware",
    # Last, as django-axes asks: it turns a lock-out raised during log-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "intervision.urls"
WSGI_APPLICATION = "intervision.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "residents.oidc.sign_in_options",
                "intervision.menu.menu",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL selects PostgreSQL in deployment and CI; the embedded default is an SQLite file.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the Celery worker write to the same file: take the write lock at the
    # start of a transaction and wait for it rather than failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Files, not memory: without Redis the web process and the Celery worker are separate
    # processes, and what one puts in the cache the other must see (a roster import's progress,
    # written by the worker, read by the page).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "residents.User"
# django-axes first: it refuses a locked-out username + address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "residents.middleware.LoginThrottleBackend",  # django-axes' AxesStandaloneBackend
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60 * 24)
# "Forgot your password?": at most 3 e-mails an hour to one address, and 20 requests an hour
# from one client address over all addresses (imported residents choose their first password
# this way, often from the hospital's one outgoing address). The page answers the same either
# way; a worker looks the account up and sends the link (residents.services.accounts).
PASSWORD_RESET_MAILS_PER_HOUR = env_int("PASSWORD_RESET_MAILS_PER_HOUR", 3)
PASSWORD_RESET_REQUESTS_PER_CLIENT_PER_HOUR = env_int("PASSWORD_RESET_REQUESTS_PER_CLIENT_PER_HOUR", 20)

# Sign-in with the hospital's identity provider (OpenID Connect: Microsoft Entra ID, SURFconext,
# …), on when OIDC_ISSUER and OIDC_CLIENT_ID are set; residents/auth_oidc.py, docs/sign-in.md.
# The endpoints come from the issuer's discovery document unless given here. People are matched
# by e-mail address; sign-in creates an account only for an address in one of
# OIDC_CREATE_USERS_FOR_DOMAINS.
OIDC_ISSUER = (env_str("OIDC_ISSUER") or "").rstrip("/")
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID") or ""
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET") or ""
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_AUTHORIZATION_ENDPOINT") or ""
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_TOKEN_ENDPOINT") or ""
OIDC_OP_USER_ENDPOINT = env_str("OIDC_USERINFO_ENDPOINT") or ""
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_JWKS_ENDPOINT") or ""
OIDC_OP_END_SESSION_ENDPOINT = env_str("OIDC_END_SESSION_ENDPOINT") or ""
OIDC_RP_SCOPES = env_str("OIDC_SCOPES") or "openid email profile"
OIDC_RP_SIGN_ALGO = env_str("OIDC_SIGN_ALGO") or "RS256"
OIDC_EMAIL_CLAIM = env_str("OIDC_EMAIL_CLAIM") or "email"
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME") or ""  # "": "your hospital account", translated
OIDC_CREATE_USERS_FOR_DOMAINS = [d.lower().lstrip("@") for d in env_list("OIDC_CREATE_USERS_FOR_DOMAINS", [])]
# Log-out also ends the session at the provider (RP-initiated logout) when it has an end-session
# endpoint; OIDC_LOGOUT_AT_PROVIDER=0 ends only ours.
OIDC_LOGOUT_AT_PROVIDER = env_bool("OIDC_LOGOUT_AT_PROVIDER", True)
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # the hint that RP-initiated logout sends back to the provider
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
if bool(OIDC_ISSUER) != bool(OIDC_RP_CLIENT_ID):
    raise ImproperlyConfigured("OIDC_ISSUER and OIDC_CLIENT_ID go together: set both, or neither.")
if OIDC_ISSUER:
    AUTHENTICATION_BACKENDS.append("residents.auth_oidc.OIDCBackend")
# LOCAL_PASSWORDS=0: nobody signs in with a password typed here (the form is hidden, log-in and
# password reset are refused), except administrators through /admin/login/.
LOCAL_PASSWORDS = env_bool("LOCAL_PASSWORDS", True)
if not LOCAL_PASSWORDS and not OIDC_ISSUER:
    raise ImproperlyConfigured("LOCAL_PASSWORDS=0 needs sign-in with the identity provider (OIDC_ISSUER).")

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("nl", "Nederlands")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language of the demo programme that `make run` loads (demo/dutch.py): en or nl.
DEMO_LANGUAGE = env_str("DEMO_LANGUAGE", "en")
if DEMO_LANGUAGE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"DEMO_LANGUAGE must be one of {', '.join(dict(LANGUAGES))}.")
# One date format per language (intervision/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["intervision.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
# Uploads: the first handler stops reading a request past what any import takes
# (residents/upload_handlers.py); the others are Django's (memory up to 2.5 MB, then disk).
FILE_UPLOAD_HANDLERS = [
    "residents.upload_handlers.UploadLimit",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- E-mail ---------------------------------------------------------------------------------
# SMTP when EMAIL_HOST is set; otherwise messages are printed to the console of `make run`.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "intervision.mail.EmailBackend"  # Django's SMTP backend, plus SMTPUTF8 addresses
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Intervision <intervision@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The mailbox calendar apps' replies (Accept / Decline) go to, e.g.
# imaps://user:password@mail.example/INBOX (imap:// without TLS, for a server on the same
# machine; user and password percent-encoded). A worker reads it every two minutes
# (sessions_app/services/replies.py). Empty: nothing reads replies, so invitations ask for none
# (RSVP=FALSE) and point to the answer page instead.
REPLY_MAILBOX_URL = env_str("REPLY_MAILBOX_URL", "")
# The address invitations name as ORGANIZER, where mail programs send the replies: the
# mailbox's own address. Empty: the mailbox's user name, when that is an address.
REPLY_ADDRESS = env_str("REPLY_ADDRESS", "")
if REPLY_MAILBOX_URL:
    from urllib.parse import unquote, urlsplit

    _reply_url = urlsplit(REPLY_MAILBOX_URL)
    if _reply_url.scheme not in ("imap", "imaps") or not _reply_url.hostname or not _reply_url.username:
        raise ImproperlyConfigured(
            "REPLY_MAILBOX_URL must look like imaps://user:password@host/INBOX (or imap://…)"
        )
    if not REPLY_ADDRESS and "@" not in unquote(_reply_url.username):
        raise ImproperlyConfigured(
            "REPLY_ADDRESS is not set and REPLY_MAILBOX_URL's user is not an e-mail address: set"
            " REPLY_ADDRESS to the address mail to that mailbox is sent to"
        )

# --- Celery ---------------------------------------------------------------------------------
# Redis in deployment; Celery's filesystem transport as the embedded default, so a worker and
# beat run on a fresh machine with no broker server.
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Broadcast (pidbox) messages; without this kombu writes a control/ folder in the cwd.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery closes the database connection around every task unless told to reuse it for this
# many tasks; on PostgreSQL a new connection per task costs more than sending a reminder
# (bench/bench_reminders.py: about 26 against 11 ms a message). Unset: Celery's default, a
# connection per task (in-process test workers then leave no connection behind).
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 0) or None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = TIME_ZONE

# --- Security -------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HTTPS only in production: redirect plain HTTP (the container's health check excepted, which
# asks http://localhost directly) and tell browsers to remember it (HSTS). A plain-HTTP trial
# (SECURE_COOKIES=0) switches both off.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365 if SESSION_COOKIE_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Sessions end after 30 minutes without a request and 12 hours after log-in however active
# (residents.middleware.SessionLimitsMiddleware). The time of the last request is saved when it
# is over a minute old, which renews the cookie, rather than with a write on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_HOURS", 12) * 60 * 60
SESSION_ACTIVITY_RESOLUTION = 60

# Log-in throttling (django-axes): 5 failed attempts for one username from one address lock
# that pair out for 15 minutes; a successful log-in clears the count. The username is counted
# trimmed and case-folded, as log-in looks it up. Separately, 20 failures from one address over
# any usernames lock that address out for every username (password spraying); a hospital whose
# staff share one outgoing address may raise it. The lock-out does not depend on whether the
# account exists, so it reveals nothing about which addresses do.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20)
AXES_HANDLER = "residents.middleware.LoginThrottleHandler"
AXES_USERNAME_CALLABLE = "residents.middleware.login_username"
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "residents.middleware.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
# The client's address: behind our proxy, the one it appended to X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "residents.middleware.client_ip"
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2", "new_password1", "new_password2"]

# Content-Security-Policy (django-csp): everything from our own origin, no inline scripts or
# styles, no framing, forms post only to ourselves.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Bootstrap draws some icons (the menu button, form checks) as data: SVG images.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Log-out from a form may end with a redirect to the identity provider's end-session page.
for _url in (OIDC_ISSUER, OIDC_OP_END_SESSION_ENDPOINT):
    if _url:
        _origin = "/".join(_url.split("/", 3)[:3])
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(_origin)

# --- Crispy forms ---------------------------------------------------------------------------
# Links typed without a scheme (video links) are taken as https.
FORMS_URLFIELD_ASSUME_HTTPS = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # axes logs every start-up and log-in at INFO; lock-outs are WARNING and still show.
        "axes": {"level": "WARNING"},
    },
}
