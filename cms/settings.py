"""Sangkat's Django settings, one module as Django reads them (long because each setting says why):
everything that differs between machines comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# A development key is only acceptable while DEBUG is on; production must set SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    "dev-only-insecure-key-change-me" if DEBUG else None
)
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "cms.apps.SangkatUsersAppConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # The queue of background tasks in the database (TASKS below); installed whatever the backend,
    # so that switching backends needs no migration.
    "django_tasks_db",
    # Sangkat (cms last: its post-migrate step needs every other app's permissions)
    "courses",
    "courses.h5p.apps.H5PConfig",
    "courses.scorm.apps.ScormConfig",
    "courses.xapi",
    "courses.cmi5",
    "labs",
    "labs.participation.apps.ParticipationConfig",
    "labs.hercity.apps.HerCityConfig",
    "labs.devices.apps.DevicesConfig",
    "labs.classes.apps.ClassesConfig",
    "games",
    "games.minecraft.apps.MinecraftConfig",
    "ambassadors",
    # The site layer (root URLconf, seed_demo): composes the apps above, has no models.
    "site_layer",
    "cms",
    # Security: Content-Security-Policy header, login throttling.
    "csp",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages are compressed for slow links; Django's gzip adds random padding against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    # A request to an H5P package's own origin (H5P_PACKAGE_ORIGIN) is answered here and goes no
    # further: no static files, session, user, CSRF or page of the site there.
    "courses.h5p.package_host.PackageHostMiddleware",
    # Below: a request to an API path with an Authorization header takes SANGKAT_API_MIDDLEWARE.
    "cms.middleware.CredentialedAPIMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # On a registered center PC: idle timeout, closing time, sign-out that clears the browser.
    "labs.devices.middleware.CenterDeviceMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cms.middleware.PasswordChangeRequiredMiddleware",
    "cms.middleware.SiteLookupCacheMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "cms.middleware.AuditActorMiddleware",
    "cms.middleware.SangkatCSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the login page with its message
]

# Requests to these paths that carry an Authorization header (an LRS client's Basic credentials, a
# cmi5 AU's token) are judged by it alone, never by a session: they skip the session middleware
# and go through this list instead (cms.middleware.CredentialedAPIMiddleware; decisions.md).
SANGKAT_API_PATHS = ("/xapi/",)
SANGKAT_API_MIDDLEWARE = [
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cms.middleware.SangkatCSPMiddleware",
]

ROOT_URLCONF = "site_layer.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cms.context_processors.sangkat",
            ],
        },
    },
]

# SQLite under var/ unless DATABASE_URL says otherwise (PostgreSQL in CI and production).
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'var' / 'sangkat.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "cms.User"
# The throttle comes first: it refuses any password while a username is locked out from an address.
AUTHENTICATION_BACKENDS = ["cms.auth.ThrottledLoginBackend", "cms.auth.UsernameOrPhoneBackend"]
# Argon2id first (new hashes); PBKDF2 only to check hashes made before (rewritten at login).
PASSWORD_HASHERS = [
    "cms.hashers.SangkatArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Phone numbers without a country code are read as Cambodian.
PHONE_DEFAULT_REGION = os.environ.get("PHONE_DEFAULT_REGION", "KH")

# Languages: English and Khmer ship; Wagtail pages are translated with Wagtail's own locales.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("km", "ខ្មែរ")]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Phnom_Penh")
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploads and generated files (H5P, worlds, renders, images) go through Django's storage API:
# on disk under MEDIA_ROOT, or in an S3-compatible bucket (django-storages) when
# AWS_STORAGE_BUCKET_NAME is set, so that every app server and worker sees the same files.
# boto3 reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None  # MinIO, Ceph, ...
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None  # a CDN in front
    AWS_LOCATION = os.environ.get("AWS_LOCATION", "media")
    AWS_DEFAULT_ACL = None  # the bucket's policy decides
    AWS_QUERYSTRING_AUTH = env_bool("AWS_QUERYSTRING_AUTH", True)  # signed, expiring URLs
    AWS_S3_FILE_OVERWRITE = False
    _MEDIA_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    _MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# Restricted media (women-and-girls space photos, co-design worlds and renders) live under
# `private/` and go out only through views that check access (cms.media): streamed by Django,
# or by the proxy via X-Accel-Redirect (nginx) / X-Sendfile (Apache); from a bucket, as signed
# links that expire after SANGKAT_PRIVATE_MEDIA_URL_SECONDS.
SANGKAT_PRIVATE_MEDIA_SERVE = os.environ.get("SANGKAT_PRIVATE_MEDIA_SERVE", "django")
if SANGKAT_PRIVATE_MEDIA_SERVE not in ("django", "x-accel", "x-sendfile"):
    raise ImproperlyConfigured("SANGKAT_PRIVATE_MEDIA_SERVE must be django, x-accel or x-sendfile")
SANGKAT_PRIVATE_MEDIA_INTERNAL_URL = os.environ.get("SANGKAT_PRIVATE_MEDIA_INTERNAL_URL", "/_private_media/")
SANGKAT_PRIVATE_MEDIA_URL_SECONDS = int(os.environ.get("SANGKAT_PRIVATE_MEDIA_URL_SECONDS", "60"))
STORAGES = {
    "default": _MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "sangkat@localhost")

# In-app notifications are always stored; these channels also deliver them (plug in a real SMS gateway here).
SANGKAT_NOTIFICATION_CHANNELS = env_list(
    "NOTIFICATION_CHANNELS", "cms.notifications.ConsoleSMSChannel,cms.notifications.EmailChannel"
)

# A shared cache (Redis) when REDIS_URL is set: page cache, rate limits and sessions then hold
# across all app servers. Without it, each process has its own memory cache.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "cms.cache.SangkatRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "sangkat"),
            "TIMEOUT": 300,
        }
    }
    # Logging out ends the session in every process at once, and pages skip a query.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_COOKIE_AGE = 60 * 60 * 24 * 30  # shared PCs: people log out; phones stay logged in
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
# Wagtail's admin previews and the H5P player frame our own pages, so SAMEORIGIN, not DENY.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = [
    "security.W019",  # X_FRAME_OPTIONS is SAMEORIGIN on purpose (above)
    "security.W021",  # HSTS preload is the city's decision for its domain: SECURE_HSTS_PRELOAD=1
]

WAGTAIL_SITE_NAME = "Sangkat"
# The admin does not ask releases.wagtail.org for new versions: upgrades go through pyproject.toml,
# and the admin's CSP then allows no outside address.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Where the public reaches Sangkat (`make run` derives it from HOST and PORT): Open Badges issuer,
# badge, assertion and verification URLs, the xAPI actor homePage and activity ids, the admin's
# links in emails are built from it.
_PUBLIC_URL = os.environ.get("PUBLIC_URL", "")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", _PUBLIC_URL or "http://127.0.0.1:8000")
SANGKAT_PUBLIC_URL = (_PUBLIC_URL or WAGTAILADMIN_BASE_URL).rstrip("/")
# A pilot without a reverse proxy: Django itself serves MEDIA_ROOT at /media/ with DEBUG off
# (whitenoise serves static files). Behind a proxy or with a bucket, leave it off.
SANGKAT_SERVE_MEDIA = env_bool("SERVE_MEDIA", False)
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILDOCS_EXTENSIONS = ["pdf", "odt", "docx", "xlsx", "csv", "txt", "zip"]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILEMBEDS_RESPONSIVE_HTML = True

# Anonymous visitors of a Wagtail page share one rendering of it for this long (cms/pages.py).
SANGKAT_ANONYMOUS_PAGE_CACHE_SECONDS = int(os.environ.get("ANONYMOUS_PAGE_CACHE_SECONDS", "60"))

# Background work (django-tasks): world generation, captures and renders, statement forwarding.
# With DEBUG off they wait in the database for `python manage.py db_worker`; while DEBUG is on
# (`make run`, tests) they run at once in the request. TASKS_BACKEND chooses another backend.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND")
        or (
            "django_tasks.backends.immediate.ImmediateBackend"
            if DEBUG
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

# xAPI statement store (courses/xapi): request body cap, page size, learner rate limit, and an
# optional outside LRS that receives a copy of every statement (forwarded in the background).
SANGKAT_XAPI_MAX_BODY_BYTES = int(os.environ.get("XAPI_MAX_BODY_BYTES", str(1024 * 1024)))
SANGKAT_XAPI_PAGE_SIZE = 100
SANGKAT_H5P_SAVE_SECONDS = int(os.environ.get("H5P_SAVE_SECONDS", "15"))
SANGKAT_XAPI_LEARNER_REQUESTS_PER_MINUTE = int(os.environ.get("XAPI_LEARNER_REQUESTS_PER_MINUTE", "240"))
SANGKAT_XAPI_FORWARD_URL = os.environ.get("SANGKAT_XAPI_FORWARD_URL", "")
SANGKAT_XAPI_FORWARD_USER = os.environ.get("SANGKAT_XAPI_FORWARD_USER", "")
SANGKAT_XAPI_FORWARD_PASSWORD = os.environ.get("SANGKAT_XAPI_FORWARD_PASSWORD", "")
# Outgoing HTTP (courses/httpclient.py): (connect, read) seconds.
SANGKAT_HTTP_TIMEOUT = (5.0, 30.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Production hardening: on whenever DEBUG is off (behind a TLS-terminating proxy).
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SECURE_REFERRER_POLICY = "same-origin"
    SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Maps (participation): tiles from OpenStreetMap by default; Leaflet comes from `make map-deps`.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
MAP_CENTER = (10.6275, 103.5220)  # Sihanoukville
STATICFILES_DIRS = [*globals().get("STATICFILES_DIRS", []), ("leaflet", BASE_DIR / "var" / "npm" / "node_modules" / "leaflet" / "dist")]
# H5P (courses/h5p): h5p-standalone from `make h5p-deps`; caps on uploaded packages (zip bombs).
STATICFILES_DIRS = [*STATICFILES_DIRS, ("h5p-standalone", BASE_DIR / "var" / "npm" / "node_modules" / "h5p-standalone" / "dist")]
# Opt-in: each H5P package on an origin of its own, e.g. https://p{package}.h5p-example.org (wildcard
# DNS and certificate on a domain that is another site than this one). Its player may then keep its
# origin (sandbox allow-same-origin) and a service worker of its own, so saved courses play their
# activities offline. Unset: packages play in an opaque sandbox, online only (docs/deploy.md).
H5P_PACKAGE_ORIGIN = os.environ.get("H5P_PACKAGE_ORIGIN", "").strip()
# A lesson hands its player a signed grant (the package host sees no session) valid this long; a
# saved course's player opened offline comes from the worker's cache and needs none.
H5P_PACKAGE_GRANT_SECONDS = int(os.environ.get("H5P_PACKAGE_GRANT_SECONDS", str(7 * 24 * 3600)))
if H5P_PACKAGE_ORIGIN:
    from urllib.parse import urlsplit as _urlsplit  # noqa: E402

    from cms.package_origin import BadPackageOrigin, check  # noqa: E402

    try:
        _package_origins = check(H5P_PACKAGE_ORIGIN, [*ALLOWED_HOSTS, _urlsplit(SANGKAT_PUBLIC_URL).hostname or ""])
    except BadPackageOrigin as problem:
        raise ImproperlyConfigured(str(problem)) from None
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, _package_origins.allowed_host]
H5P_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("H5P_MAX_UNCOMPRESSED_BYTES", str(50 * 1024 * 1024)))
H5P_MAX_FILES = int(os.environ.get("H5P_MAX_FILES", "2000"))
# Import by URL fetches public addresses only; these hosts (a city's own content server) may also
# be on a private address or port. Names as written in the URL, comma-separated.
H5P_IMPORT_ALLOWED_HOSTS = [
    host.strip().lower()
    for host in os.environ.get("H5P_IMPORT_ALLOWED_HOSTS", "").split(",")
    if host.strip()
]
H5P_MAX_COMPRESSION_RATIO = int(os.environ.get("H5P_MAX_COMPRESSION_RATIO", "100"))
# SCORM (courses/scorm): the scorm-again runtime from `make scorm-deps`; packages share H5P's caps.
STATICFILES_DIRS = [*STATICFILES_DIRS, ("scorm-again", BASE_DIR / "var" / "npm" / "node_modules" / "scorm-again" / "dist")]
# Login throttling (django-axes): after 5 wrong passwords for one account from one address, that
# pair is refused for 15 minutes (cms.forms shows why). The account is the one the name reaches,
# however it was typed (cms.auth.throttle_username: username in any case, phone in any form).
# Across accounts, LOGIN_FAILURES_PER_ADDRESS wrong passwords from one address within those 15
# minutes pause every login from it (cms.auth.SangkatAxesHandler; 0 turns the cap off). Behind
# the reverse proxy, the client's address is read from X-Forwarded-For: TRUSTED_PROXY_COUNT says
# how many proxies append to it (docs/deploy.md, "The client address").
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "cms.auth.throttle_username"
AXES_HANDLER = "cms.auth.SangkatAxesHandler"
AXES_CLIENT_IP_CALLABLE = "cms.auth.client_ip"
AXES_LOCKOUT_CALLABLE = "cms.views.login_locked_out"
AXES_ENABLE_ADMIN = False
AXES_DISABLE_ACCESS_LOG = True  # no record of every successful login (address, browser): not needed
# Generous: a class signs in from one center's network, and first-time users mistype.
SANGKAT_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "30"))
SANGKAT_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0" if DEBUG else "1"))
# New accounts per client address per hour: generous, as a whole class signs up from one center's network.
SANGKAT_SIGNUPS_PER_ADDRESS_PER_HOUR = int(os.environ.get("SIGNUPS_PER_ADDRESS_PER_HOUR", "60"))
# Classes (labs.classes): a printed login card works once, for this many days; a roster file holds
# at most this many learners and bytes; card sign-ins tried per address per hour.
SANGKAT_LOGIN_CARD_DAYS = int(os.environ.get("LOGIN_CARD_DAYS", "30"))
SANGKAT_CLASS_IMPORT_MAX_ROWS = int(os.environ.get("CLASS_IMPORT_MAX_ROWS", "200"))
SANGKAT_CLASS_IMPORT_MAX_BYTES = int(os.environ.get("CLASS_IMPORT_MAX_BYTES", str(1024 * 1024)))
SANGKAT_LOGIN_CARD_TRIES_PER_ADDRESS_PER_HOUR = int(os.environ.get("LOGIN_CARD_TRIES_PER_ADDRESS_PER_HOUR", "60"))
WAGTAILADMIN_USER_LOGIN_FORM = "cms.forms.AdminLoginForm"
# Content-Security-Policy (django-csp; cms.middleware.SangkatCSPMiddleware): scripts only from
# here, no inline scripts; inline styles are allowed (templates set a few style attributes).
# Views that set their own policy keep it (the H5P player); /admin/ gets Wagtail's needs.
from urllib.parse import urlsplit  # noqa: E402

from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

# Map tiles (a "{s}." subdomain template becomes a wildcard) and media on another host, if any.
_CSP_EXTRA_IMG = [
    f"{u.scheme}://{u.netloc.replace('{s}.', '*.')}"
    for u in map(urlsplit, (MAP_TILE_URL, MEDIA_URL)) if u.netloc
]
# Media in a bucket are linked at the bucket's own address (signed URLs), not MEDIA_URL: pictures
# (renders, covers, photos) must be allowed from there, or browsers block every one of them.
_CSP_MEDIA = []
if AWS_STORAGE_BUCKET_NAME:
    if AWS_S3_CUSTOM_DOMAIN:
        _CSP_MEDIA = [f"https://{AWS_S3_CUSTOM_DOMAIN}"]
    elif AWS_S3_ENDPOINT_URL:  # path style (endpoint/bucket/...) or virtual hosts (bucket.endpoint)
        _endpoint = urlsplit(AWS_S3_ENDPOINT_URL)
        _CSP_MEDIA = [f"{_endpoint.scheme}://{_endpoint.netloc}", f"{_endpoint.scheme}://*.{_endpoint.netloc}"]
    else:  # AWS: https://bucket.s3.amazonaws.com/ or https://bucket.s3.region.amazonaws.com/
        _CSP_MEDIA = [f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com",
                      f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{AWS_S3_REGION_NAME or 'us-east-1'}.amazonaws.com"]
    _CSP_EXTRA_IMG += _CSP_MEDIA
# Video blocks (wagtail.embeds) frame these players.
_CSP_FRAME_SRC = env_list(
    "CSP_FRAME_SRC", "https://www.youtube.com,https://www.youtube-nocookie.com,https://player.vimeo.com"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", *_CSP_EXTRA_IMG],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF, *_CSP_MEDIA],
        "frame-src": [SELF, *_CSP_FRAME_SRC],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
# Wagtail's admin uses inline scripts and styles, gravatar and embed previews (cms.middleware).
SANGKAT_ADMIN_CSP = {
    "default-src": [SELF],
    "script-src": [SELF, UNSAFE_INLINE],  # checked in Chromium: no 'unsafe-eval' needed
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:", "https:", *_CSP_MEDIA],  # the bucket may be plain http inside
    "font-src": [SELF, "data:"],
    "connect-src": [SELF],
    "media-src": [SELF, "blob:", *_CSP_MEDIA],
    "frame-src": [SELF, *_CSP_FRAME_SRC],
    "frame-ancestors": [SELF],
    "form-action": [SELF],
    "base-uri": [SELF],
    "object-src": [NONE],
}

# Picture sign-in on center devices (labs.devices): wrong picture passwords or PINs in a row before a
# learner's picture sign-in locks (her facilitator unlocks it), and wrong tries on one device, for
# anyone, within DEVICE_SIGNIN_WINDOW_MINUTES before that device pauses picture sign-in.
SANGKAT_PICTURE_MAX_TRIES = int(os.environ.get("PICTURE_SIGNIN_TRIES", "5"))
SANGKAT_DEVICE_MAX_FAILURES = int(os.environ.get("DEVICE_SIGNIN_FAILURES", "15"))
SANGKAT_DEVICE_WINDOW = int(os.environ.get("DEVICE_SIGNIN_WINDOW_MINUTES", "15")) * 60
