"""Static files storage for production (`goodwill serve`): WhiteNoise's hashed, compressed files.

Two changes to WhiteNoise's CompressedManifestStaticFilesStorage:

- Django rewrites `sourceMappingURL` comments to hashed names and stops collectstatic when the
  map is missing, as it is for the vendored Chart.js. Source maps are a debugging aid (and
  `goodwill serve` does not collect them), so those comments are left as they are.
- WhiteNoise compresses every file on every run, with gzip and brotli: a minute of CPU at each
  start. Here only gzip, and a file that already has its compressed copy is left alone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from typing import Any

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

_HASHED = re.compile(r"\.[0-9a-f]{12}\.[^/.]+$")


def _without_source_maps(patterns: tuple) -> tuple:
    return tuple(
        (glob, tuple(rule for rule in rules if "sourceMappingURL" not in str(rule)))
        for glob, rules in patterns
    )


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)

    def _compressed_is_current(self, name: str) -> bool:
        """A hashed name ("site.0a1b2c3d4e5f.css") is its content, so any copy will do; an
        original name needs a copy at least as new as itself."""
        source = self.path(name)
        try:
            modified = 0.0 if _HASHED.search(name) else os.stat(source).st_mtime
        except OSError:
            return False
        for suffix in (".gz", ".br"):
            try:
                if os.stat(source + suffix).st_mtime >= modified:
                    return True
            except OSError:
                continue
        return False

    def create_compressor(self, **kwargs: Any) -> Compressor:
        # gzip only: brotli at its best setting took most of a minute of CPU for the vendored
        # bundles at first start, to save a few kilobytes on files browsers fetch once a year.
        return Compressor(use_brotli=False, **kwargs)

    def compress_files(self, paths: Iterable[str]) -> Iterator[tuple[str, str]]:
        stale = [path for path in paths if not self._compressed_is_current(path)]
        yield from super().compress_files(stale)
