from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "goodwill.core"
    label = "core"

    def ready(self) -> None:
        # A fresh GOODWILL_DATA_DIR should just work for every command (`goodwill migrate` too),
        # not fail with SQLite's bare "unable to open database file".
        for db in settings.DATABASES.values():
            name = str(db.get("NAME") or "")
            if db["ENGINE"].endswith("sqlite3") and name and not name.startswith(("file:", ":")):
                Path(name).parent.mkdir(parents=True, exist_ok=True)
