"""Settings. Everything deployment-specific comes from the environment (DANGJIAN_* and DATABASE_URL)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent
# var/ holds the SQLite database, uploads and the development key file; it is never committed.
VAR_DIR = Path(os.environ.get("DANGJIAN_VAR_DIR", Path.cwd() / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    key = os.environ.get("DANGJIAN_SECRET_KEY")
    if key:
        return key
    # Development only: a random key kept beside the database, never a key in the source.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DANGJIAN_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("DANGJIAN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(
    ","
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "django_tables2",
    "treebeard",
    "auditlog",
    "axes",
    "django_tasks",
    "ninja",  # serves the API docs page from its own static files, no CDN
    "dangjian.core",
    "dangjian.accounts",
    "dangjian.orgs",
    "dangjian.members",
    "dangjian.development",
    "dangjian.transfers",
    "dangjian.dues",
    "dangjian.funds",
    "dangjian.elections",
    "dangjian.life",
    "dangjian.outreach",
    "dangjian.care",
    "dangjian.opinions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dangjian.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dangjian.core.middleware.IdleTimeoutMiddleware",
    "dangjian.core.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dangjian.urls"
WSGI_APPLICATION = "dangjian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "dangjian.core.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'dangjian.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web process read while an import job writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("DANGJIAN_TEST_DB") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if os.environ.get("DANGJIAN_FAST_HASHER"):
    # Tests create hundreds of users; Argon2 stays the production hasher.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: an absolute lifetime plus an idle timeout (SECURITY.md B: 30 min default, a setting).
SESSION_COOKIE_AGE = int(os.environ.get("DANGJIAN_SESSION_MAX_AGE", 8 * 3600))
SESSION_IDLE_TIMEOUT = int(os.environ.get("DANGJIAN_SESSION_IDLE", 30 * 60))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("DANGJIAN_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Lockout (SECURITY.md B): 5 failures, 30 minutes; both settings.
AXES_FAILURE_LIMIT = int(os.environ.get("DANGJIAN_LOCKOUT_FAILURES", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DANGJIAN_LOCKOUT_MINUTES", 30)))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# Usernames match case-insensitively, so failures must count case-insensitively too.
AXES_USERNAME_CALLABLE = "dangjian.accounts.signals.axes_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = _env_bool("DANGJIAN_AXES", True)
SILENCED_SYSTEM_CHECKS = ["axes.W006"]  # lockout is per account by design (SECURITY.md 8.1.4.1 b)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DANGJIAN_STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
DANGJIAN_IMPORT_MAX_BYTES = int(os.environ.get("DANGJIAN_IMPORT_MAX_BYTES", 50 * 1024 * 1024))
WHITENOISE_USE_FINDERS = True

# Auditing (SECURITY.md 8.1.4.3): the request id is our own, so every log line of one request joins up.
AUDITLOG_CID_GETTER = "dangjian.core.middleware.current_request_id"
AUDITLOG_DISABLE_REMOTE_ADDR = False
AUDITLOG_INCLUDE_ALL_MODELS = False

# Field encryption (SECURITY.md D): one CryptoProvider; the key never lives in settings or the DB.
DANGJIAN_CRYPTO_PROVIDER = os.environ.get(
    "DANGJIAN_CRYPTO_PROVIDER", "dangjian.core.crypto.SoftwareCryptoProvider"
)
DANGJIAN_KEY_FILE = Path(os.environ.get("DANGJIAN_KEY_FILE", VAR_DIR / "keys" / "data.key"))

# Long work (imports) runs in a background thread of the web process unless a task worker is set up.
DANGJIAN_JOBS_IN_THREAD = _env_bool("DANGJIAN_JOBS_IN_THREAD", True)

# API tokens for integrators.
DANGJIAN_API_TOKEN_DAYS = int(os.environ.get("DANGJIAN_API_TOKEN_DAYS", 30))

TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "DANGJIAN_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

DJANGO_TABLES2_TEMPLATE = "core/table.html"
DJANGO_TABLES2_PAGE_RANGE = 7

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DANGJIAN_LOG_LEVEL", "WARNING")},
    # axes logs every login at INFO with masked values; our audit log already records them.
    "loggers": {"axes": {"handlers": ["console"], "level": "WARNING", "propagate": False}},
}
