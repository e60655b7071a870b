"""Django settings for the OnTrack web application, read from the environment.

Every variable is listed with its default in ``dotenv-sample`` at the repository root.
SQLite in ``var/`` is the default database; set ``DATABASE_URL`` for PostgreSQL. With
``DEBUG`` off (the default) the application refuses to start without ``SECRET_KEY``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from ontrack.extras import installed, message
from ontrack.web.env import envbool, envint, envlist, envsecret, envstr

WEB_DIR = Path(__file__).resolve().parent
# src/ontrack/web -> the repository root in a checkout (editable install).
BASE_DIR = WEB_DIR.parents[2]
VAR_DIR = Path(envstr("ONTRACK_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", False)
# The demo (`ontrack demo`): fictional accounts that sign in with the password alone.
ONTRACK_DEMO = envbool("ONTRACK_DEMO", False)

_secret = envsecret("SECRET_KEY")
if _secret is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off OnTrack needs SECRET_KEY (or SECRET_KEY_FILE "
            "naming a file that holds it): a long random string, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`. "
            "See dotenv-sample."
        )
    _secret = "django-insecure-development-only-never-use-in-production"
SECRET_KEY = _secret

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ontrack.web.accounts",
    "ontrack.web.audit",
    "ontrack.web.records",
    "ontrack.web.notify",
    "ontrack.web.pathway",
    "ontrack.web.fidelity",
    "ontrack.web.canonical",
    "ontrack.web.portal",
    "ontrack.web.privacy",
    "ontrack.web.api",
    # django-ninja: its app serves the API docs' assets locally (no CDN; docs/adr/0130).
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # An API token (Authorization: Bearer, on /api/ and /fhir/ only) stands in for the
    # session: the request then runs as the member of staff the token acts as.
    "ontrack.web.api.auth.ApiTokenMiddleware",
    "csp.middleware.CSPMiddleware",
    "ontrack.web.common.headers.NoStoreMiddleware",
    # Staff who have given their password but not yet their second factor reach only the
    # two-factor pages; sessions end after ONTRACK_SESSION_MAX_AGE whatever the activity.
    "ontrack.web.accounts.signin.SessionLimitMiddleware",
    "ontrack.web.accounts.signin.TwoFactorRequiredMiddleware",
    # Sign-in lockout (django-axes): answers a locked-out sign-in with OnTrack's page.
    "axes.middleware.AxesMiddleware",
    # Last, so that every view runs inside the signed-in user's record scope.
    "ontrack.web.records.scoping.ScopeMiddleware",
]

ROOT_URLCONF = "ontrack.web.urls"
WSGI_APPLICATION = "ontrack.web.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ontrack.web.records.context.viewer",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = envsecret("DATABASE_URL")
    if url:
        config: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=envint("DB_CONN_MAX_AGE", 0))
        )
        config["CONN_HEALTH_CHECKS"] = True
        if config["ENGINE"] == "django.db.backends.postgresql" and not installed("postgres"):
            raise ImproperlyConfigured(message("postgres", "DATABASE_URL names PostgreSQL; it"))
    else:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "ontrack.sqlite3"}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of one failing
        # half-way with "database is locked"; WAL lets readers run during a write.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_TIMEOUT", 60 * 60)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = envstr("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# NHS.UK frontend is installed from npm at set-up (`make venv`), never committed: its
# compiled CSS, JavaScript and icons are served from node_modules under /static/nhsuk/.
# Without it the pages still work, styled by OnTrack's own stylesheet only.
NODE_MODULES = Path(envstr("ONTRACK_NODE_MODULES", str(BASE_DIR / "node_modules")))
NHSUK_FRONTEND_DIR = NODE_MODULES / "nhsuk-frontend" / "dist" / "nhsuk"
STATICFILES_DIRS: list[Any] = [WEB_DIR / "static"]
# The package's files are served by a finder of OnTrack's own that rewrites its CSS so that
# no page fetches a font or an icon from another host (docs/adr/0100); the rewritten copies
# live in ONTRACK_BUILT_ASSETS_DIR.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "ontrack.web.common.assets.NhsukFrontendFinder",
]
ONTRACK_BUILT_ASSETS_DIR = Path(envstr("ONTRACK_BUILT_ASSETS_DIR", str(VAR_DIR / "assets")))
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(VAR_DIR / "static")))
# The NHS logo appears only where a service is entitled to it and says so.
SHOW_NHS_LOGO = envbool("SHOW_NHS_LOGO", False)

# The early-warning model bundle: empty = the shipped default parameters (fitted on
# simulated data, labelled as such); a path = a service's own from `ontrack calibrate`.
ONTRACK_MONITORING_BUNDLE = envstr("ONTRACK_MONITORING_BUNDLE", "")

# Allocation suggestions: the matching ranks therapists by their report cards in the
# client's problem (ONTRACK_REPORT_CARDS: the JSON `ontrack report-cards DATA --json`
# writes; without it the order is the pathway's plain rule). A dotted path to any
# ontrack.pathway.Suggester replaces it.
ONTRACK_THERAPIST_SUGGESTER = envstr(
    "ONTRACK_THERAPIST_SUGGESTER", "ontrack.matching.suggest.suggest"
)

# Sessions end when the browser closes, after SESSION_COOKIE_AGE seconds without a request
# (the idle timeout, default 30 min: requests renew it, at most once a minute) and, whatever
# the activity, ONTRACK_SESSION_MAX_AGE seconds after signing in (default 4 h). docs/adr/0101.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 30 * 60)
ONTRACK_SESSION_MAX_AGE = envint("ONTRACK_SESSION_MAX_AGE", 4 * 60 * 60)

# Staff sign in with a password and a code from an authenticator app (TOTP) or a backup
# code (django-otp, docs/adr/0101). Required unless ONTRACK_REQUIRE_2FA=0; the demo turns
# it off for its fictional accounts, and `check --deploy` warns when it is off otherwise.
ONTRACK_REQUIRE_2FA = envbool("ONTRACK_REQUIRE_2FA", not ONTRACK_DEMO)
ONTRACK_BACKUP_CODES = 10
OTP_TOTP_ISSUER = envstr("OTP_TOTP_ISSUER", "OnTrack")

# Sign-in lockout (django-axes, docs/adr/0102): after ONTRACK_SIGN_IN_FAILURES_ALLOWED
# wrong passwords for one username, from any address, that username cannot sign in for
# ONTRACK_SIGN_IN_LOCKOUT_MINUTES (each failure during the lockout restarts it); a
# successful sign-in clears the count. By username, not address: behind a proxy every
# address is the proxy's, and a guesser spreading over many addresses is still stopped.
AUTHENTICATION_BACKENDS = [
    "ontrack.web.accounts.signin.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("ONTRACK_SIGN_IN_FAILURES_ALLOWED", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=envint("ONTRACK_SIGN_IN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes warns that a lockout without the address can be bypassed by rotating cookies or
# browsers; that is true only of lockouts by cookie or browser, not by username.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_LOCKOUT_CALLABLE = "ontrack.web.accounts.signin.locked_out"
AXES_VERBOSE = False
# OnTrack's own audit records sign-ins; axes keeps only its failure counts.
AXES_DISABLE_ACCESS_LOG = True

# Security. HTTPS_ONLY defaults to on whenever DEBUG is off; the local demo turns it off.
HTTPS_ONLY = envbool("HTTPS_ONLY", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS_ONLY)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", HTTPS_ONLY)
if envbool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp, docs/adr/0100): everything from OnTrack itself, no
# inline script or style, no plug-ins, no framing, forms post only back to OnTrack.
# SVG charts and icons may be data: images. Every page is also Cache-Control: no-store
# (ontrack.web.common.headers).
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Background work: django-tasks with its database backend (docs/adr/0110); run the worker
# with `python manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Who keeps the service dashboard's counts current after each change (docs/adr/0093):
# "commit" (in the request, right after its commit) or "worker" (the db_worker, so the
# request does not wait).
ONTRACK_DASHBOARD_REFRESH = envstr("ONTRACK_DASHBOARD_REFRESH", "commit")
if ONTRACK_DASHBOARD_REFRESH not in ("commit", "worker"):
    raise ImproperlyConfigured("ONTRACK_DASHBOARD_REFRESH must be 'commit' or 'worker'.")

# Messages to clients (docs/portal.md). Email goes through SMTP; texts through GOV.UK Notify
# when ONTRACK_SMS_GATEWAY=notify (NOTIFY_API_KEY and a template whose body is ((body))).
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "OnTrack <ontrack@localhost>")
ONTRACK_EMAIL_TIMEOUT = envint("ONTRACK_EMAIL_TIMEOUT", 10)
ONTRACK_SMS_GATEWAY = envstr("ONTRACK_SMS_GATEWAY", "")
NOTIFY_API_KEY = envsecret("NOTIFY_API_KEY") or ""
NOTIFY_BASE_URL = envstr("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
NOTIFY_SMS_TEMPLATE_ID = envstr("NOTIFY_SMS_TEMPLATE_ID", "")
# Seconds before each further try of a failed delivery; after the last, it fails for staff.
try:
    ONTRACK_MESSAGE_RETRY_SECONDS = [
        int(v) for v in envlist("ONTRACK_MESSAGE_RETRY_SECONDS", ["300", "1800", "7200"])
    ]
except ValueError:
    raise ImproperlyConfigured(
        "ONTRACK_MESSAGE_RETRY_SECONDS must be whole numbers of seconds, comma-separated"
    ) from None
# The address clients' links start with, e.g. https://ontrack.example.nhs.uk
ONTRACK_PUBLIC_URL = envstr("ONTRACK_PUBLIC_URL", "http://localhost:8000").rstrip("/")
# Failed link openings allowed from one address in ten minutes before it must wait.
ONTRACK_LINK_FAILURES_ALLOWED = envint("ONTRACK_LINK_FAILURES_ALLOWED", 20)
# Session recordings ("listening back"): Fernet keys, newest first, comma-separated (or a
# file in ONTRACK_RECORDING_KEYS_FILE); without keys recordings cannot be attached.
ONTRACK_RECORDING_KEYS = envsecret("ONTRACK_RECORDING_KEYS") or ""
ONTRACK_RECORDING_DIR = Path(envstr("ONTRACK_RECORDING_DIR", str(VAR_DIR / "recordings")))
ONTRACK_RECORDING_MAX_BYTES = envint("ONTRACK_RECORDING_MAX_BYTES", 200 * 1024 * 1024)

# The API's rate limits, in Django's cache (per process unless a shared cache is configured):
# requests per token or signed-in user (a django-ninja rate), and bad tokens allowed from
# one address in ten minutes before it must wait.
ONTRACK_API_RATE = envstr("ONTRACK_API_RATE", "600/m")
ONTRACK_API_FAILURES_ALLOWED = envint("ONTRACK_API_FAILURES_ALLOWED", 20)

# The audit chain (docs/adr/0135): events are sealed in batches, at most this many
# milliseconds after their commit, by a timer in the process that wrote them; 0 seals each
# commit at once, waiting for the chain's lock (slower under load; the tests use it).
ONTRACK_AUDIT_SEAL_MS = envint("ONTRACK_AUDIT_SEAL_MS", 1000)

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}
