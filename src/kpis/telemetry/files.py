"""Request-log files as the roll-up reads them: which files a pattern names (each read once, as itself, even
with glob characters in its name), their kind (Parquet or CSV) and their content digest."""

from __future__ import annotations

import glob
import hashlib
from pathlib import Path

from kpis.errors import ValidationError

__all__ = ["EVENT_COLUMNS", "OPTIONAL_COLUMNS", "Uri", "content_digest", "expand_paths", "file_kind", "glob_escaped",
           "is_uri"]


EVENT_COLUMNS = ("timestamp", "region", "tenant", "model_id", "latency_ms", "status")


OPTIONAL_COLUMNS = ("cost_usd",)


class Uri(str):
    """A file (or glob) in a data lake, for Spark to read where it is: s3a://bucket/logs/*.parquet."""

    @property
    def suffix(self) -> str:
        return Path(self.rsplit("/", 1)[-1]).suffix

    @property
    def name(self) -> str:
        return self.rsplit("/", 1)[-1]

    def resolve(self) -> Uri:
        return self


def is_uri(pattern: str) -> bool:
    return "://" in pattern and not pattern.startswith("file://")


def expand_paths(patterns: list[str], uris: bool = False) -> list[Path]:
    """Files named directly, by glob, or inside a directory (*.parquet, *.csv), sorted, unique.
    With `uris` (Spark), a URI such as s3a://bucket/logs/*.parquet is passed on as it is."""
    found: list[Path] = []
    for pattern in patterns:
        if uris and is_uri(pattern):
            found.append(Uri(pattern))
            continue
        path = Path(pattern)
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix.lower() in (".parquet", ".csv"))
        elif path.exists():  # a file named as it is, even when its name has glob characters (x_[ab].parquet)
            found.append(path)
        elif any(ch in pattern for ch in "*?["):
            found += [Path(p) for p in sorted(glob.glob(pattern, recursive=True))]
        else:
            raise ValidationError.keyed("error.no_such_path", path=pattern)
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise ValidationError.keyed("error.no_event_files")
    bad = [p for p in unique if p.suffix.lower() not in (".parquet", ".csv")]
    if bad:
        raise ValidationError.keyed("error.event_file_type", path=bad[0])
    special = [p for p in unique if not isinstance(p, Uri) and not p.is_file()]
    if special:  # a named pipe would make the read (and the write lock held for it) wait forever
        raise ValidationError.keyed("error.not_regular_file", path=special[0])
    return unique


def file_list(paths: list[Path]) -> str:
    """The files as a DuckDB list literal. Each path is one file already found (expand_paths): its glob
    characters are escaped, so `x_[ab].parquet` is read as itself, never again as a pattern for x_a and x_b."""
    return "[" + ", ".join(sql_string(glob_escaped(str(p))) for p in paths) + "]"


def glob_escaped(path: str) -> str:
    """`path` as a glob that matches only itself (DuckDB: each of * ? [ ] in brackets, `[[]`)."""
    return "".join(f"[{c}]" if c in "*?[]" else c for c in path)


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def file_kind(paths: list[Path]) -> str:
    """'parquet' or 'csv': one kind per run."""
    if all(p.suffix.lower() == ".parquet" for p in paths):
        return "parquet"
    if all(p.suffix.lower() == ".csv" for p in paths):
        return "csv"
    raise ValidationError.keyed("error.mixed_event_files")


def content_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks: a log file's identity, whatever its name or time."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
