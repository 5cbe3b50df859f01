"""Newsroom settings, read from the environment.

Every variable is documented in README.md ("Configuration"). The defaults are
safe for a newcomer's machine: with no DJANGO_SECRET_KEY, DJANGO_DEBUG or DJANGO_ALLOWED_HOSTS
it is development (debug on, SQLite inside the project, a per-checkout key in a git-ignored
file); naming any of them is production, which refuses to start without a key. No secret is
committed anywhere.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Production is declared: a secret key, DJANGO_DEBUG=0 or DJANGO_ALLOWED_HOSTS. A fresh checkout
# with none of them is a developer's machine, so the documented first commands work as written.
DEVELOPMENT = not any(os.environ.get(name) for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS")) and (
    os.environ.get("DJANGO_DEBUG", "") == ""
)
DEBUG = env_bool("DJANGO_DEBUG", DEVELOPMENT)
DEVELOPMENT_KEY_FILE = BASE_DIR / "var" / "development-secret-key"


def development_secret_key(path):
    """This checkout's own key, made once and kept in a git-ignored file (sessions survive restarts)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as file:
        file.write(get_random_secret_key())
    return path.read_text().strip()


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it in production; for local development unset "
            "DJANGO_DEBUG and DJANGO_ALLOWED_HOSTS (or set DJANGO_DEBUG=1) and a key for this "
            "checkout is kept in var/development-secret-key."
        )
    SECRET_KEY = development_secret_key(DEVELOPMENT_KEY_FILE)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "newsroom.apps.NewsroomAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "axes",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Compresses public pages only, never a page with a session or CSRF token (BREACH).
    "newsroom.middleware.PublicGZipMiddleware",
    "newsroom.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "articles.page_cache.InvalidateOnAdminWriteMiddleware",
    "articles.admin.lookups.OversizedLookupMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

# SQLite inside the project by default; DATABASE_URL=postgres://... switches engines.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite is used by one process at a time here; these pragmas keep concurrent
    # readers and a writer from tripping over each other and make writes cheap. temp_store:
    # statement journals (every INSERT that fires a trigger keeps one) and sort scratch stay in
    # memory instead of temporary files: a tenth of the import's system calls.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;",
    }
if os.environ.get("DATABASE_TEST_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["DATABASE_TEST_NAME"]}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))

# Uploaded images: local files by default; any Django storage (e.g. django-storages' S3Storage for
# S3-compatible object storage, see docs/deploy.md) by a dotted path and JSON options.
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("DJANGO_MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(os.environ.get("DJANGO_MEDIA_STORAGE_OPTIONS", "{}")),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# A shared Redis cache when REDIS_URL is set (several app servers); otherwise per process.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("DJANGO_CACHE_PREFIX", "newsroom"),
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# How long a public page may be served from the cache; any change invalidates it at once.
NEWSROOM_PAGE_CACHE_SECONDS = int(os.environ.get("NEWSROOM_PAGE_CACHE_SECONDS", "300"))
# The front page weighs a story's heat by its age: halved every this many hours (articles/ranking.py).
NEWSROOM_HEAT_HALF_LIFE_HOURS = float(os.environ.get("NEWSROOM_HEAT_HALF_LIFE_HOURS", "24"))
# The content API (/api/v1/): requests per minute from one address (0: no limit), and how long
# clients and proxies may reuse an answer before asking again (with its ETag) whether it changed.
NEWSROOM_API_REQUESTS_PER_MINUTE = int(os.environ.get("NEWSROOM_API_REQUESTS_PER_MINUTE", "600"))
NEWSROOM_API_MAX_AGE = int(os.environ.get("NEWSROOM_API_MAX_AGE", "60"))

# Topics: "AI" and "ai" are one topic with one page.
TAGGIT_CASE_INSENSITIVE = True

# Background jobs (admin uploads): Django's task framework backport, stored in the database.
# A worker runs them: `python manage.py db_worker` (`make run` and `make serve` start one).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Where background exports write their zips (the admin streams them from there).
NEWSROOM_EXPORT_DIR = Path(os.environ.get("NEWSROOM_EXPORT_DIR", BASE_DIR / "var" / "exports"))
# A running job whose worker has not renewed its lease for this long is queued again.
NEWSROOM_JOB_STALE_SECONDS = int(os.environ.get("NEWSROOM_JOB_STALE_SECONDS", "120"))
# Where uploaded files wait for the worker; app servers and workers must share it.
NEWSROOM_IMPORT_STAGING_DIR = Path(os.environ.get("NEWSROOM_IMPORT_STAGING_DIR", BASE_DIR / "var" / "imports"))

# Import limits (see README, "Importing articles").
NEWSROOM_IMPORT_MAX_BYTES = int(os.environ.get("NEWSROOM_IMPORT_MAX_BYTES", str(1024 * 1024)))
# After an import writes articles, queue the clustering of the new ones into stories (articles/stories/).
NEWSROOM_STORIES_AFTER_IMPORT = env_bool("NEWSROOM_STORIES_AFTER_IMPORT", True)
# Uploaded images with more pixels are refused before decoding (articles/images.py): 40 MP is a
# large camera's photo, under half Pillow's own bomb limit, and at most ~160 MB decoded (PNG).
NEWSROOM_IMAGE_MAX_PIXELS = int(os.environ.get("NEWSROOM_IMAGE_MAX_PIXELS", str(40_000_000)))
# Feed images fetched into MEDIA_ROOT with WebP renditions (articles/image_jobs.py): off unless turned
# on, so a developer's machine, the tests and CI never reach outside (docs/production.md).
NEWSROOM_FETCH_IMAGES = env_bool("NEWSROOM_FETCH_IMAGES", False)
NEWSROOM_FETCH_MAX_BYTES = int(os.environ.get("NEWSROOM_FETCH_MAX_BYTES", str(10 * 1024 * 1024)))
NEWSROOM_FETCH_CONNECT_TIMEOUT = float(os.environ.get("NEWSROOM_FETCH_CONNECT_TIMEOUT", "5"))
NEWSROOM_FETCH_READ_TIMEOUT = float(os.environ.get("NEWSROOM_FETCH_READ_TIMEOUT", "10"))
NEWSROOM_FETCH_TOTAL_TIMEOUT = float(os.environ.get("NEWSROOM_FETCH_TOTAL_TIMEOUT", "30"))
# After a failure an image, and its host, rest this long, doubled with each failure in a row (up to a day).
NEWSROOM_FETCH_BACKOFF_SECONDS = int(os.environ.get("NEWSROOM_FETCH_BACKOFF_SECONDS", "300"))
# Addresses the fetcher may reach although private or loopback. Tests only (their local server);
# deliberately not read from the environment.
NEWSROOM_FETCH_ALLOW_HOSTS = frozenset()

# --- HTTPS, cookies and security headers (docs/production.md) ---
# Production values whenever DEBUG is off; `make run` (DEBUG on, plain http on 127.0.0.1) gets none
# of the https-only ones, or the browser would be sent to an https port that does not exist.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# Behind a TLS-terminating proxy, name the header it sets (X-Forwarded-Proto: https). Only do this
# when the proxy overwrites that header on every request, or a client could claim https.
if os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + os.environ["DJANGO_SECURE_PROXY_SSL_HEADER"].strip().upper().replace("-", "_"),
        "https",
    )
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
# No script of ours reads the CSRF cookie: forms carry the token in a hidden field.
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
# Publishers see that a visit came from Newsroom, never which page of it.
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): our own scripts and styles only, nothing inline.
# Article images come from publishers' https hosts; video embeds are rebuilt as
# youtube-nocookie.com and player.vimeo.com frames. JSON-LD blocks are data, not script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "https:", "data:"],
        "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Admin login guard (django-axes, newsroom/lockout.py) ---
# Five failures per username-and-address, per address or per username make that client wait:
# 30 seconds at first, doubled for every five more failures of the day, at most 15 minutes.
# Nothing locks for good; `manage.py axes_reset` clears the counts.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
NEWSROOM_LOGIN_COOLOFF = timedelta(seconds=int(os.environ.get("NEWSROOM_LOGIN_COOLOFF_SECONDS", "30")))
NEWSROOM_LOGIN_COOLOFF_MAX = timedelta(seconds=int(os.environ.get("NEWSROOM_LOGIN_COOLOFF_MAX_SECONDS", "900")))
AXES_COOLOFF_TIME = "newsroom.lockout.cool_off"
# Each client's attempts expire after its own cool-off: cleaning after one editor's quick login
# must not wipe a persistent guesser's longer one.
AXES_USE_ATTEMPT_EXPIRATION = True
# The failure log (kept a day's worth per user at least) is what the growing cool-off counts.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "newsroom.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "newsroom.lockout.client_ip"
# How many proxies in front of gunicorn append to X-Forwarded-For (0: clients connect directly).
NEWSROOM_PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "0"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
