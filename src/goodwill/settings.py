"""Goodwill settings, read from the environment.

With nothing set, a fresh clone runs on SQLite under ./var with the console mail backend, so
`make run` just works. Production sets SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and friends.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from goodwill.core.env import env_bool, env_int, env_list, env_str
from goodwill.core.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("GOODWILL_DATA_DIR") or Path.cwd() / "var").resolve()

DEBUG = env_bool("DEBUG", False)
_INSECURE_DEV_KEY = "django-insecure-goodwill-development-key-not-for-production"
SECRET_KEY = env_str("SECRET_KEY") or _INSECURE_DEV_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "goodwill.core",
    "goodwill.accounts",
    "goodwill.clients",
    "goodwill.contracts",
    "goodwill.desk",
    "goodwill.mail",
    "goodwill.happiness",
    "goodwill.billing",
    "goodwill.scheduling",
    "goodwill.portal",
    "goodwill.api",
    "goodwill.demo",
    # Audit trail (issue 9): who changed contracts, invoices, payments, roles and settings.
    "auditlog",
    "goodwill.audit",
]

MIDDLEWARE = [
    # /healthz first: monitors probe app servers by address, before host checks and redirects.
    "goodwill.core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy with a per-request nonce (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Needs request.user: marks whether this session passed the second sign-in step (2FA).
    "django_otp.middleware.OTPMiddleware",
    # Needs request.user: stamps the signed-in user as the actor of every audit log entry.
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes last: it inspects the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "goodwill.urls"
WSGI_APPLICATION = "goodwill.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "goodwill.core.context_processors.navigation",
                # {{ CSP_NONCE }}: the nonce every <script> tag carries.
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
_default_db = f"sqlite:///{DATA_DIR / 'goodwill.sqlite3'}"
_database_url = env_str("DATABASE_URL") or _default_db
try:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # How long a writer waits for another's lock before "database is locked" (seconds).
    _sqlite_timeout = env_int("GOODWILL_SQLITE_TIMEOUT", 20)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at the
        # start of a transaction so two writers queue on busy_timeout instead of deadlocking.
        "transaction_mode": "IMMEDIATE",
        "timeout": _sqlite_timeout,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            f"PRAGMA busy_timeout={_sqlite_timeout * 1000};"
            "PRAGMA foreign_keys=ON;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Cache: local memory by default, Redis when REDIS_URL is set (several app servers) ----------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "goodwill",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication -----------------------------------------------------------------------------
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
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: lock a username+address pair after repeated failures, for a while.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 8)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en-gb")
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or DATA_DIR / "static")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or DATA_DIR / "media")
MEDIA_URL = "media/"
# `goodwill serve` turns GOODWILL_MANIFEST_STATIC on and runs collectstatic first: files get
# hashed names (cached by browsers for a year) and gzip/brotli copies. `make run`, runserver
# and the tests serve the apps' static folders as they are, with nothing to collect.
MANIFEST_STATIC = not DEBUG and env_bool("GOODWILL_MANIFEST_STATIC", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "goodwill.core.storage.StaticFilesStorage"
            if MANIFEST_STATIC
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not MANIFEST_STATIC
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Mail ---------------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# Seconds: without a timeout a server that accepts and never answers hangs the worker for good.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set at most one of EMAIL_USE_TLS and EMAIL_USE_SSL")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Goodwill <goodwill@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -----------------------------------------------------------------------------------
# HTTPS-only settings follow GOODWILL_HTTPS so a plain-HTTP laptop install still works.
HTTPS = env_bool("GOODWILL_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp 4): scripts only from this site or carrying this
# response's nonce, so an injected <script> or onclick="" does not run. Styles keep
# 'unsafe-inline' because the templates still have about 60 style="" attributes and the portal
# sets its colour in a <style> block (a nonce there would make browsers ignore 'unsafe-inline').
# Views that send their own stricter header (original e-mails, attachments) keep it.
_CSP_IMAGES = [SELF, "data:"]
_portal_logo = urlsplit(env_str("GOODWILL_PORTAL_LOGO_URL"))
if _portal_logo.scheme in ("http", "https") and _portal_logo.netloc:
    _CSP_IMAGES.append(f"{_portal_logo.scheme}://{_portal_logo.netloc}")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": _CSP_IMAGES,
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if env_bool("GOODWILL_CSP_REPORT_ONLY", False):
    # Trying a stricter policy out: browsers report violations in the console, block nothing.
    CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY
    CONTENT_SECURITY_POLICY = {}
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS")
if not SECURE_HSTS_PRELOAD:
    # Joining the browsers' HSTS preload list is a deliberate, hard-to-undo choice for a whole
    # domain (SECURE_HSTS_PRELOAD=true opts in), so not having made it is not a deploy warning.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
if not DEBUG and SECRET_KEY == _INSECURE_DEV_KEY and env_bool("GOODWILL_REQUIRE_SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production")

# --- Goodwill -----------------------------------------------------------------------------------
GOODWILL_CURRENCY = env_str("GOODWILL_CURRENCY", "GBP")
GOODWILL_COUNTRY = env_str("GOODWILL_COUNTRY", "GB")
GOODWILL_PROVIDER_NAME = env_str("GOODWILL_PROVIDER_NAME", "Goodwill IT Services")
# How far the queue brings tickets forward for the people who decide renewals (minutes).
GOODWILL_QUEUE_WEIGHTS = {
    "decision_maker": env_int("GOODWILL_WEIGHT_BOSS", 240),
    "gatekeeper": env_int("GOODWILL_WEIGHT_PA", 120),
    "billing": env_int("GOODWILL_WEIGHT_FD", 120),
    "complainer": env_int("GOODWILL_WEIGHT_COMPLAINER", 60),
}
# Warn this long before an SLA deadline (minutes of wall time).
GOODWILL_SLA_DUE_SOON_MINUTES = env_int("GOODWILL_SLA_DUE_SOON_MINUTES", 60)
# Maximum size of one attachment (bytes).
GOODWILL_MAX_ATTACHMENT_BYTES = env_int("GOODWILL_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
# A contract counts as "renewal due" from this many days before its notice deadline.
GOODWILL_RENEWAL_LEAD_DAYS = env_int("GOODWILL_RENEWAL_LEAD_DAYS", 30)

# --- Mail out, IMAP and webhook (issue 4) ------------------------------------------------------
# Where clients write: the Reply-To of every notification (routes back by Message-ID and subject).
GOODWILL_SUPPORT_ADDRESS = env_str("GOODWILL_SUPPORT_ADDRESS", DEFAULT_FROM_EMAIL)
# Automatic mail (acknowledgements, status changes) per address, at most this many per window.
GOODWILL_AUTOREPLY_PER_10_MINUTES = env_int("GOODWILL_AUTOREPLY_PER_10_MINUTES", 3)
GOODWILL_AUTOREPLY_PER_HOUR = env_int("GOODWILL_AUTOREPLY_PER_HOUR", 10)
# Tell the assigned technician when the client replies (they can answer from their mail program).
GOODWILL_NOTIFY_ASSIGNEE = env_bool("GOODWILL_NOTIFY_ASSIGNEE", True)
# Inbound webhook: no secret, no webhook (404). Bodies above the limit are refused.
GOODWILL_MAIL_WEBHOOK_SECRET = env_str("GOODWILL_MAIL_WEBHOOK_SECRET")
GOODWILL_MAIL_WEBHOOK_MAX_BYTES = env_int("GOODWILL_MAIL_WEBHOOK_MAX_BYTES", 25 * 1024 * 1024)
# IMAP: after the commit, flag fetched messages \Seen, or move them to this folder when set.
GOODWILL_IMAP_PROCESSED_FOLDER = env_str("GOODWILL_IMAP_PROCESSED_FOLDER")
GOODWILL_IMAP_BATCH = env_int("GOODWILL_IMAP_BATCH", 50)

# --- Billing (issue 6) --------------------------------------------------------------------------
# Who the invoices come from: printed on every invoice PDF and statement.
GOODWILL_BILLING_LEGAL_NAME = env_str("GOODWILL_BILLING_LEGAL_NAME", GOODWILL_PROVIDER_NAME)
GOODWILL_BILLING_ADDRESS = env_str("GOODWILL_BILLING_ADDRESS", "")  # lines separated by "|"
GOODWILL_BILLING_VAT_NUMBER = env_str("GOODWILL_BILLING_VAT_NUMBER", "")
GOODWILL_BILLING_LOGO = env_str("GOODWILL_BILLING_LOGO", "")  # path to a PNG or JPEG
GOODWILL_BILLING_BANK_DETAILS = env_str("GOODWILL_BILLING_BANK_DETAILS", "")  # "|" for lines
GOODWILL_BILLING_EMAIL = env_str("GOODWILL_BILLING_EMAIL", "")  # Reply-To of invoice e-mails
# Defaults for a client's billing profile (each client can override them).
GOODWILL_BILLING_TAX_RATE = env_str("GOODWILL_BILLING_TAX_RATE", "20.00")  # percent
GOODWILL_BILLING_PAYMENT_TERMS_DAYS = env_int("GOODWILL_BILLING_PAYMENT_TERMS_DAYS", 30)
GOODWILL_BILLING_HOURLY_RATE = env_str("GOODWILL_BILLING_HOURLY_RATE", "85.00")  # overage
# Chasing: e-mail reminders this many days after the due date, then a call task for the AM.
GOODWILL_BILLING_REMINDER_DAYS = [
    int(day) for day in env_list("GOODWILL_BILLING_REMINDER_DAYS", ["7", "21"])
]
GOODWILL_BILLING_CALL_DAYS = env_int("GOODWILL_BILLING_CALL_DAYS", 30)
# Catch-up after downtime: one draft per missed period that started within this many days,
# never sent automatically; only the current period is auto-issued.
GOODWILL_BILLING_CATCH_UP_DAYS = env_int("GOODWILL_BILLING_CATCH_UP_DAYS", 365)
# Overage is invoiced this many days after a period ends, so late time entries are counted.
GOODWILL_BILLING_OVERAGE_GRACE_DAYS = env_int("GOODWILL_BILLING_OVERAGE_GRACE_DAYS", 5)
# Accounting exports: the sales account, tax type and item the Xero/QuickBooks files name.
GOODWILL_BILLING_XERO_ACCOUNT_CODE = env_str("GOODWILL_BILLING_XERO_ACCOUNT_CODE", "200")
GOODWILL_BILLING_XERO_TAX_TYPE = env_str("GOODWILL_BILLING_XERO_TAX_TYPE", "20% (VAT on Income)")
GOODWILL_BILLING_QBO_ITEM = env_str("GOODWILL_BILLING_QBO_ITEM", "Services")

# --- Client portal and REST API (issue 8) -------------------------------------------------------
# The portal wears the provider's colours: name (defaults to GOODWILL_PROVIDER_NAME), logo URL
# and the main colour as #rrggbb.
GOODWILL_PORTAL_NAME = env_str("GOODWILL_PORTAL_NAME")
GOODWILL_PORTAL_LOGO_URL = env_str("GOODWILL_PORTAL_LOGO_URL")
GOODWILL_PORTAL_COLOUR = env_str("GOODWILL_PORTAL_COLOUR", "#1f6f8b")
# Links in portal e-mails (invitations, sign-in links) start with this.
GOODWILL_PORTAL_BASE_URL = env_str("GOODWILL_PORTAL_BASE_URL", "http://127.0.0.1:8000")
GOODWILL_API_PAGE_SIZE = env_int("GOODWILL_API_PAGE_SIZE", 50)
# Webhook targets on private, loopback or link-local addresses are refused unless this is on.
GOODWILL_WEBHOOK_ALLOW_PRIVATE = env_bool("GOODWILL_WEBHOOK_ALLOW_PRIVATE", False)
GOODWILL_WEBHOOK_TIMEOUT = env_int("GOODWILL_WEBHOOK_TIMEOUT", 10)
# django-ninja as an app, so the API docs page uses its bundled Swagger UI (no CDN).
INSTALLED_APPS.append("ninja")
# Optional two-step sign-in (TOTP) for portal logins.
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp"]
OTP_TOTP_ISSUER = env_str("GOODWILL_PORTAL_NAME") or GOODWILL_PROVIDER_NAME

# --- Staff account security (issue 9) -----------------------------------------------------------
# Recovery codes for staff two-factor sign-in are django-otp static tokens.
INSTALLED_APPS.append("django_otp.plugins.otp_static")
# When on, an owner without two-factor sign-in must set it up before using anything else.
GOODWILL_REQUIRE_2FA_FOR_OWNERS = env_bool("GOODWILL_REQUIRE_2FA_FOR_OWNERS", False)
# Password reset links work for this long (seconds); Django's default is three days.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60 * 2)

# --- Happiness engine (issue 5) -----------------------------------------------------------------
# How much each stakeholder's happiness counts in their client's health ("others" is everyone
# else at the client taken together).
GOODWILL_HAPPINESS_ROLE_WEIGHTS = {
    "decision_maker": env_int("GOODWILL_HAPPINESS_WEIGHT_BOSS", 5),
    "gatekeeper": env_int("GOODWILL_HAPPINESS_WEIGHT_PA", 3),
    "billing": env_int("GOODWILL_HAPPINESS_WEIGHT_FD", 2),
    "complainer": env_int("GOODWILL_HAPPINESS_WEIGHT_COMPLAINER", 1),
    "others": env_int("GOODWILL_HAPPINESS_WEIGHT_OTHERS", 2),
}
# Default touch cadence in days (editable on the playbook page once saved there).
GOODWILL_HAPPINESS_CADENCE_DAYS = {
    "decision_maker": env_int("GOODWILL_HAPPINESS_CADENCE_BOSS", 90),
    "gatekeeper": env_int("GOODWILL_HAPPINESS_CADENCE_PA", 30),
}
# Surveys: CSAT scale (5 or 10), at most one CSAT per person every N days, sent N minutes
# after the resolution. The bosses' relationship survey goes out once a quarter.
GOODWILL_HAPPINESS_CSAT_SCALE = env_int("GOODWILL_HAPPINESS_CSAT_SCALE", 5)
GOODWILL_HAPPINESS_CSAT_EVERY_DAYS = env_int("GOODWILL_HAPPINESS_CSAT_EVERY_DAYS", 7)
GOODWILL_HAPPINESS_CSAT_DELAY_MINUTES = env_int("GOODWILL_HAPPINESS_CSAT_DELAY_MINUTES", 60)
# Links in survey and digest e-mails start with this.
GOODWILL_HAPPINESS_BASE_URL = env_str("GOODWILL_HAPPINESS_BASE_URL", GOODWILL_PORTAL_BASE_URL)

# --- Scheduling and the public booking page (issue 7) ---------------------------------------
# Links in booking e-mails sent outside a request start with this.
GOODWILL_BOOKING_BASE_URL = env_str("GOODWILL_BOOKING_BASE_URL", "http://127.0.0.1:8000")
# Offered start times are this many minutes apart (never more than the meeting's length).
GOODWILL_BOOKING_STEP_MINUTES = env_int("GOODWILL_BOOKING_STEP_MINUTES", 30)
# Per visitor IP address: bookings per hour, and slot-page views per minute (then a 429 page).
GOODWILL_BOOKING_MAX_PER_HOUR = env_int("GOODWILL_BOOKING_MAX_PER_HOUR", 5)
GOODWILL_BOOKING_MAX_VIEWS_PER_MINUTE = env_int("GOODWILL_BOOKING_MAX_VIEWS_PER_MINUTE", 60)

# --- Logs and health ----------------------------------------------------------------------------
# Console logs, as text or (GOODWILL_LOG_FORMAT=json) one JSON object per line; either way
# passwords, tokens and message bodies are redacted (goodwill.core.logs).
GOODWILL_LOG_FORMAT = env_str("GOODWILL_LOG_FORMAT", "text").strip().lower()
if GOODWILL_LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"GOODWILL_LOG_FORMAT={GOODWILL_LOG_FORMAT!r}: use text or json")
LOGGING = logging_config(GOODWILL_LOG_FORMAT, env_str("LOG_LEVEL", "INFO"))
# /healthz fails when no `goodwill worker` has beaten for this many seconds (0: not checked).
GOODWILL_HEALTH_WORKER_MAX_AGE = env_int("GOODWILL_HEALTH_WORKER_MAX_AGE", 300)
