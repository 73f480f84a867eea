"""The one settings module, configured from the environment.

Every setting has a default that is safe for a developer's machine: SQLite, an
on-disk Celery broker and private media under VIG_DATA_DIR. Production sets
DJANGO_DEBUG=false and must then also provide DJANGO_SECRET_KEY and
DJANGO_ALLOWED_HOSTS; anything malformed stops start-up with ImproperlyConfigured
rather than running with a surprising value.
"""

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = envbool("DJANGO_DEBUG", True)

DATA_DIR = Path(os.environ.get("VIG_DATA_DIR", BASE_DIR / "data")).resolve()
# The embedded defaults keep their files here; make it on first use so a fresh
# clone needs no set-up step for it.
DATA_DIR.mkdir(parents=True, exist_ok=True)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105 - refused below unless DEBUG
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "vig.apps.VigAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "audit",
    "cases",
    "clips",
    "sessions.apps.SessionsConfig",
    "letters",
    "supervision",
    "dataprotection",
    "outcomes",
]

# The reverse proxies in front of the web processes (nginx): requests from them
# get their client's address from X-Forwarded-For (vig.proxy). Empty: nobody is
# trusted, REMOTE_ADDR is the peer, as on one machine without a proxy.
VIG_TRUSTED_PROXIES = envlist("VIG_TRUSTED_PROXIES", [])
for _proxy in VIG_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"VIG_TRUSTED_PROXIES must be IP addresses or networks (comma-separated), not {_proxy!r}"
        ) from None

MIDDLEWARE = [
    # First, so everything after it (audit, letter links, axes) sees the client's address.
    "vig.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sessions of a disabled user end here, before anything else reads request.user.
    "accounts.middleware.SessionGenerationMiddleware",
    # django-otp's OTPMiddleware, without its query per request.
    "accounts.middleware.TwoFactorSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A user who needs a second factor goes nowhere else until they have given it.
    "accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vig.urls"

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
                "vig.context_processors.service",
            ],
        },
    },
]

WSGI_APPLICATION = "vig.wsgi.application"

# Database: SQLite in the data folder unless DATABASE_URL names another.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'vig.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker) share the file: wait for locks instead of
    # failing, and let readers proceed while a writer works.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so a real Celery worker started by the tests shares it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Lock an account (per user name and address) after repeated failed logins.
AXES_FAILURE_LIMIT = envint("VIG_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("VIG_LOGIN_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "new_password1", "new_password2", "old_password"]

# Two-factor authentication (TOTP). Always required of supervisors and
# administrators (the Django admin included); practitioners may turn it on for
# themselves, and must when this is on.
VIG_REQUIRE_2FA_FOR_ALL = envbool("VIG_REQUIRE_2FA_FOR_ALL", False)
OTP_TOTP_ISSUER = os.environ.get("VIG_OTP_ISSUER", "VIG Case Manager")
# Administrators may remove a user's device in the Django admin, never read its secret.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Each wrong code doubles the wait before the next try (1 s, 2 s, 4 s...).
OTP_TOTP_THROTTLE_FACTOR = 1

# Sessions end after a period of inactivity: each request pushes the expiry on.
SESSION_COOKIE_AGE = envint("VIG_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
# Third-party assets come from npm at set-up (bin/setup) and are served from
# node_modules, never committed and never from a CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/tus", BASE_DIR / "node_modules" / "tus-js-client" / "dist"),
]

# Media: a private folder on disk, or an S3-compatible bucket when a bucket name
# is given. Either way files are only ever handed out by views that check access.
MEDIA_ROOT = DATA_DIR / "media"
# Media are never served by URL, only by views that check access. A host under
# .invalid (RFC 2606) makes any accidental storage.url() link dead, and keeps
# Django's test server from trying to serve media itself.
MEDIA_URL = "https://media.invalid/"
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
VIG_SIGNED_URL_SECONDS = envint("VIG_SIGNED_URL_SECONDS", 300)
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": VIG_SIGNED_URL_SECONDS,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": MEDIA_ROOT,
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Celery: an on-disk broker for one machine, Redis (or any broker URL) at scale.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = DATA_DIR / "broker"
    for _folder in ("queue", "processed"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
else:
    # Long jobs (transcodes) must finish, or hit their hard time limit, well
    # before the broker would hand the same message to another worker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 60 * 60}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ROUTES = {
    # Long ffmpeg jobs on their own queue, so short jobs never wait behind a transcode.
    "clips.tasks.process_film_task": {"queue": "media"},
}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULE = {
    "requeue-stalled-films": {
        "task": "clips.tasks.requeue_stalled_films_task",
        "schedule": float(envint("VIG_REQUEUE_INTERVAL_SECONDS", 60)),
    },
    "expire-abandoned-uploads": {"task": "clips.tasks.expire_abandoned_uploads_task", "schedule": 60.0 * 60},
    # Data protection: delete what the retention policy says is due, once a day in the small hours.
    "apply-retention": {
        "task": "dataprotection.tasks.apply_retention_task",
        "schedule": crontab(hour=envint("VIG_RETENTION_HOUR", 2), minute=30),
    },
    # Letters whose PDF render stalled (worker died, message lost): same interval as the films.
    "requeue-stalled-letter-renders": {
        "task": "letters.tasks.requeue_stalled_renders_task",
        "schedule": float(envint("VIG_REQUEUE_INTERVAL_SECONDS", 60)),
    },
    # Each write refreshes its case's caseload summary; this nightly run is the safety net.
    "refresh-case-summaries": {
        "task": "sessions.tasks.refresh_case_summaries_task",
        "schedule": crontab(hour=3, minute=15),
    },
}
CELERY_WORKER_SEND_TASK_EVENTS = False

# The cache holds the client-link guess counters, so it must be shared by every
# web process: Redis when one is configured (VIG_CACHE_URL, or the broker's
# Redis server in the next database number, so that clearing the cache never
# touches the task queues), otherwise files under the data folder, which every
# process on this one machine shares. Never the per-process memory cache.
VIG_CACHE_URL = os.environ.get("VIG_CACHE_URL", "")
if not VIG_CACHE_URL and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    _broker = urlsplit(CELERY_BROKER_URL)
    _broker_db = int(_broker.path.strip("/") or 0)
    VIG_CACHE_URL = urlunsplit(_broker._replace(path=f"/{_broker_db + 1}"))
if VIG_CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": VIG_CACHE_URL,
            "KEY_PREFIX": "vig",
        }
    }
elif VIG_CACHE_URL:
    raise ImproperlyConfigured("VIG_CACHE_URL must be a redis:// or rediss:// URL")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            # Culling drops random entries: keep it far above what the counters need.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# Sessions: an open case with no session for longer than this needs attention.
VIG_NO_CONTACT_DAYS = envint("VIG_NO_CONTACT_DAYS", 35)

# The client's link to a finalised Traject Letter.
VIG_LETTER_LINK_DAYS = envint("VIG_LETTER_LINK_DAYS", 30)  # default expiry; the practitioner may choose another
VIG_LETTER_LINK_PASSCODE_ATTEMPTS = envint("VIG_LETTER_LINK_PASSCODE_ATTEMPTS", 5)  # then the link locks
# Failed openings (unknown token, bad cookie, wrong passcode) from one address
# before it is refused for VIG_LETTER_LINK_GUESS_WINDOW_MINUTES after its last failure.
VIG_LETTER_LINK_GUESS_LIMIT = envint("VIG_LETTER_LINK_GUESS_LIMIT", 20)
VIG_LETTER_LINK_GUESS_WINDOW_MINUTES = envint("VIG_LETTER_LINK_GUESS_WINDOW_MINUTES", 15)
# How long the client's browser keeps the letter open after using the link.
VIG_LETTER_LINK_COOKIE_MINUTES = envint("VIG_LETTER_LINK_COOKIE_MINUTES", 30)

# Email: printed to the console on a developer's machine.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = envint("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "vig@localhost")

# The service shown in the page footer and, later, on letters.
VIG_SERVICE_NAME = os.environ.get("VIG_SERVICE_NAME", "Video Interaction Guidance Service")
VIG_SERVICE_CONTACT = os.environ.get("VIG_SERVICE_CONTACT", "")

FFMPEG_BINARY = os.environ.get("VIG_FFMPEG", "ffmpeg")
FFPROBE_BINARY = os.environ.get("VIG_FFPROBE", "ffprobe")

# Films. Uploads arrive by tus into a scratch folder on the web machine (appending
# to an object in S3 is not possible); when complete and accepted by ffprobe
# they move into the media storage.
VIG_UPLOAD_DIR = Path(os.environ.get("VIG_UPLOAD_DIR", DATA_DIR / "uploads")).resolve()
VIG_UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
VIG_SCRATCH_DIR = Path(os.environ.get("VIG_SCRATCH_DIR", DATA_DIR / "scratch")).resolve()
VIG_SCRATCH_DIR.mkdir(parents=True, exist_ok=True)
VIG_MAX_UPLOAD_BYTES = envint("VIG_MAX_UPLOAD_BYTES", 4 * 1024**3)
VIG_MAX_FILM_SECONDS = envint("VIG_MAX_FILM_SECONDS", 60 * 60)
VIG_UPLOAD_EXPIRY_HOURS = envint("VIG_UPLOAD_EXPIRY_HOURS", 24)
# How long a worker may hold a film without a sign of life before another takes it.
VIG_TASK_LEASE_SECONDS = envint("VIG_TASK_LEASE_SECONDS", 60)
VIG_FILM_MAX_ATTEMPTS = envint("VIG_FILM_MAX_ATTEMPTS", 3)
# How media reaches the browser after the access check: "django" streams it
# (with Range), "x-accel" hands it to nginx, "s3" redirects to a signed URL.
VIG_MEDIA_DELIVERY = os.environ.get("VIG_MEDIA_DELIVERY", "s3" if AWS_STORAGE_BUCKET_NAME else "django")
if VIG_MEDIA_DELIVERY not in {"django", "x-accel", "s3"}:
    raise ImproperlyConfigured("VIG_MEDIA_DELIVERY must be django, x-accel or s3")
VIG_X_ACCEL_PREFIX = os.environ.get("VIG_X_ACCEL_PREFIX", "/protected-media/")


def _media_origins() -> list[str]:
    """Where the browser fetches media from besides this site: the bucket, when signed URLs are handed out."""
    if VIG_MEDIA_DELIVERY != "s3":
        return []
    from urllib.parse import urlsplit

    endpoint = os.environ.get("AWS_S3_ENDPOINT_URL", "")
    if endpoint:
        parts = urlsplit(endpoint)
        # Path-style (endpoint/bucket/key) and virtual-hosted (bucket.endpoint/key) addressing.
        return [f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}://{AWS_STORAGE_BUCKET_NAME}.{parts.netloc}"]
    region = os.environ.get("AWS_S3_REGION_NAME", "")
    hosts = [f"{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"]
    if region:
        hosts.append(f"{AWS_STORAGE_BUCKET_NAME}.s3.{region}.amazonaws.com")
    return [f"https://{host}" for host in hosts]


VIG_MEDIA_ORIGINS = envlist("VIG_CSP_MEDIA_ORIGINS", _media_origins())

# Content Security Policy: everything from this site, nothing inline (no
# <script> blocks, no on* handlers, no style attributes), never framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *VIG_MEDIA_ORIGINS],
        "media-src": ["'self'", *VIG_MEDIA_ORIGINS],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security headers everywhere; the HTTPS-only parts when not in DEBUG.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if envbool("DJANGO_BEHIND_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # /healthz is probed over plain HTTP by load balancers on the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Request paths of client letter links carry their token: it is replaced
    # before any handler sees the record (on the loggers that log paths, and on
    # the handler for anything else).
    "filters": {"redact_link_tokens": {"()": "letters.log_filters.RedactLinkTokens"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_link_tokens"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("VIG_LOG_LEVEL", "INFO")},
    "loggers": {
        # Request lines can carry tokens in URLs (client letter links): keep the
        # dev server's access log at warnings only.
        "django.server": {"level": "WARNING", "filters": ["redact_link_tokens"]},
        "django.request": {"filters": ["redact_link_tokens"]},
        # WeasyPrint reports each step of every letter render at INFO.
        "weasyprint": {"level": "WARNING"},
    },
}
