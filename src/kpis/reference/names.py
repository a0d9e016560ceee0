"""Reference data: the regions, departments and programs a store knows. Every input path refuses a
name it does not know, with the closest known one; adding names is explicit and audited."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from kpis.errors import Reason, RowError, ValidationError
from kpis.i18n import t
from kpis.kinds import ORGANISATION_UNIT
from kpis.roles import Actor, require
from kpis.store import Session, Store, utc_now

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "KINDS",
    "ORGANISATION_UNIT",
    "ReferenceNames",
    "actor_label",
    "add_names",
    "add_reference",
    "check_names",
    "label",
    "load_names",
    "name_problem",
    "normal_name",
    "program_starts",
    "rename",
    "require_known",
    "require_names",
    "set_program_start",
    "spanish_names",
    "twin_errors",
    "unknown_reason",
    "write_reference",
]

KINDS = ("region", "department", "program")
_TABLES = {"region": "regions", "department": "departments", "program": "programs"}
# Where each kind of name is used (table, column); a rename carries every one of them along.
_USES = {
    "region": (("observations", "region"), ("target_versions", "region"), ("use_cases", "region"),
               ("maturity_assessments", "unit"), ("checklist_ticks", "unit"), ("checkins", "region"),
               ("subscriptions", "region")),
    "department": (("observations", "department"), ("target_versions", "department"), ("use_cases", "department"),
                   ("checkins", "department"), ("subscriptions", "department")),
    "program": (("value_streams", "program"), ("investments", "program")),
}
# Keys that must stay unique after a merge (table -> key columns).
# target_versions is a history (several versions per key): both names holding targets for one key is a clash,
# never a silent overwrite of the other's target.
_KEYS = {"observations": ("kpi_id", "period", "region", "department"),
         "target_versions": ("kpi_id", "year", "quarter", "region", "department"),
         "value_streams": ("program", "stream", "year"), "investments": ("program", "year", "category"),
         "maturity_assessments": ("unit", "year", "quarter", "dimension"),
         "checklist_ticks": ("unit", "year", "quarter", "checklist", "item")}


def spanish_names(session: Session) -> dict[str, dict[str, str]]:
    """Per kind, name -> its Spanish label where one is recorded (reference data carries both)."""
    return session.remember(("spanish_names",), lambda: _spanish_names(session))


def _spanish_names(session: Session) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for kind in ("region", "department"):
        found[kind] = {name: label for name, label in session.con.execute(
            f"SELECT name, name_es FROM {_TABLES[kind]} WHERE name_es IS NOT NULL AND name_es <> ''").fetchall()}
    return found


def scope_label(region: str | None, department: str | None, lang: str,
                spanish: dict[str, dict[str, str]]) -> str:
    """'México · Todos los departamentos': a scope as the pages name it (None = all)."""
    return " · ".join([label("region", region, lang, spanish) or t("filter.all_regions", lang),
                       label("department", department, lang, spanish) or t("filter.all_departments", lang)])


def label(kind: str, name: str | None, lang: str, spanish: dict[str, dict[str, str]]) -> str:
    """How a page names a region, department or unit: the Spanish label in Spanish when there is one,
    'Organisation' in the user's language, else the name as recorded."""
    if name is None:
        return ""
    if name == ORGANISATION_UNIT:
        return t("unit.organisation", lang)
    if lang == "es":
        return spanish.get(kind, {}).get(name, name)
    return name


def actor_label(actor: str, lang: str) -> str:
    """People by name; the program's own writes in words ('the demo setup')."""
    return t(f"actor.{actor}", lang) if actor in ("system", "migration") else actor


# Reasons the program itself writes (demo setup, upgrades, ingest), shown in the reader's language;
# people's own reasons are shown as they wrote them.
SYSTEM_REASONS = {
    "Approved plan (demo program)": "sysreason.demo_plan",
    "Regional split of the approved plan (demo program)": "sysreason.demo_split",
    "added as new reference data": "sysreason.added_reference",
    "event log file rewritten": "sysreason.log_rewritten",
    "no longer derived from the use-case records": "sysreason.no_longer_derived",
}
RESTATEMENT = "[restatement] "


def reason_label(reason: str | None, lang: str) -> str | None:
    """A stored reason for people: the program's own reasons translated, the restatement mark in
    words, a person's text as written."""
    if reason is None:
        return None
    restated = reason.startswith(RESTATEMENT)
    text = reason.removeprefix(RESTATEMENT)
    text = t(SYSTEM_REASONS[text], lang) if text in SYSTEM_REASONS else text
    mark = t("data.restatement", lang)
    return f"{mark[:1].upper()}{mark[1:]}: {text}" if restated else text


@dataclass(frozen=True)
class ReferenceNames:
    """The names a store knows, per kind, and their Spanish names (`spanish`: kind -> name_es -> name)."""

    regions: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    spanish: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)

    def of(self, kind: str) -> tuple[str, ...]:
        return {"region": self.regions, "department": self.departments, "program": self.programs}[kind]

    def canonical(self, frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
        """`frame` with every name given in Spanish replaced by the name it stands for ('Brasil' -> 'Brazil'):
        an import may name reference data in either language."""
        frame = frame.copy()
        for column, kind in columns.items():
            if column not in frame:
                continue
            aliases = {es: name for es, name in self.spanish.get(kind, {}).items() if es not in self.of(kind)}
            frame[column] = frame[column].map(
                lambda value, aliases=aliases: value if not isinstance(value, str) else
                aliases.get(normal_name(value), normal_name(value)))
        return frame


def load_names(session: Session) -> ReferenceNames:
    """Every known region, department and program, sorted, with the Spanish names recorded for them."""
    return session.remember(("names",), lambda: _load_names(session))


def _load_names(session: Session) -> ReferenceNames:
    rows = {kind: session.con.execute(f"SELECT name, name_es FROM {_TABLES[kind]} ORDER BY name").fetchall()
            for kind in KINDS}
    return ReferenceNames(*(tuple(name for name, _ in rows[kind]) for kind in KINDS),
                          spanish={kind: {es: name for name, es in rows[kind] if es} for kind in KINDS})


MAX_NAME = 100
# Letters that look like Latin ones (Cyrillic, Greek): 'Мexico' with a Cyrillic М is the twin of 'Mexico'.
_LOOKALIKES = str.maketrans("АВЕКМНОРСТХаеорсухіјΑΒΕΖΗΙΚΜΝΟΡΤΥΧοѕԁ", "ABEKMHOPCTXaeopcyxijABEZHIKMNOPTYXosd")


def _skeleton(name: str) -> str:
    """What a name looks like on screen: no accents, case, spacing or look-alike letters."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_LOOKALIKES))
    return "".join(c for c in decomposed if not unicodedata.combining(c) and not c.isspace()).casefold()


def normal_name(name: str) -> str:
    """A reference name as stored: Unicode NFC, surrounding and repeated spaces removed."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def name_problem(kind: str, name: str, known: tuple[str, ...]) -> Reason | None:
    """Why a new region, department or program name is refused, or None (the one rule every path applies:
    imports with --create-missing, `import regions|departments|programs`, the forms, renames and request logs):
    empty or longer than 100 characters; a control or invisible character (zero-width, right-to-left override);
    the name that stands for the whole organisation; a look-alike of a known name (case, accents, spacing,
    Cyrillic or Greek letters), refused with the known name."""
    what = Reason(f"kind.{kind}")
    if not name or len(name) > MAX_NAME:
        return Reason("name_length", kind=what, limit=MAX_NAME)
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp") for c in name):
        return Reason("name_invisible", kind=what, name=name.encode("unicode_escape").decode("ascii")[:120])
    if kind != "program" and _skeleton(name) in {_skeleton(ORGANISATION_UNIT), _skeleton("Organización")}:
        return Reason("name_reserved", kind=what, name=name)
    twin = next((k for k in known if k != name and _skeleton(k) == _skeleton(name)), None)
    if twin is not None:
        return Reason("name_twin", kind=what, name=name, known=twin)
    return None


def twin_errors(frame: pd.DataFrame, lines: tuple[int, ...], kind: str, names: ReferenceNames) -> list[RowError]:
    """Rows of a reference file whose new name breaks name_problem (a known name itself updates its entry)."""
    known = names.of(kind)
    return [RowError(line, problem) for line, name in zip(lines, frame["name"])
            if name not in known and (problem := name_problem(kind, name, known)) is not None]


def write_reference(session: Session, kind: str, frame: pd.DataFrame, *, actor: str, channel: str) -> int:
    """Add or update regions, departments or programs from an import (inside the caller's transaction),
    each change audited: a new name is added; a known one gets the file's Spanish name and, for a program, its
    start date. Returns how many rows changed something."""
    table, written = _TABLES[kind], 0
    fields = ("name_es", "started") if kind == "program" else ("name_es",)
    for row in frame.to_dict("records"):
        name = row["name"]
        existing = session.con.execute(f"SELECT {', '.join(fields)} FROM {table} WHERE name = ?", [name]).fetchone()
        old = dict(zip(fields, existing)) if existing is not None else {}
        spanish = row.get("name_es")
        new = {"name_es": spanish if isinstance(spanish, str) and spanish else old.get("name_es")}  # NaN: absent
        if kind == "program":
            new["started"] = row.get("start_date")
        if existing is not None and all(old.get(k) == v for k, v in new.items()):
            continue
        if existing is None:
            add_names(session, {kind: (name,)}, actor=actor, channel=channel)
        session.con.execute(f"UPDATE {table} SET {', '.join(f'{k} = ?' for k in new)}, updated_by = ?, "
                            "updated_at = ? WHERE name = ?", [*new.values(), actor, utc_now(), name])
        changes = "; ".join(f"{k} {old.get(k)} -> {v}" for k, v in new.items() if old.get(k) != v)
        session.record_audit(actor=actor, channel=channel, action="update" if existing is not None else "create",
                             entity=kind, entity_key=f"{name}: {changes}", reason=None)
        written += 1
    return written


def closest(name: str, known: tuple[str, ...]) -> str | None:
    """The known name closest to `name` (case and accents aside), if any is reasonably close."""
    folded = {k.casefold(): k for k in known}
    if name.casefold() in folded:
        return folded[name.casefold()]
    match = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[match[0]] if match else None


def unknown_reason(kind: str, name: str, known: tuple[str, ...], line: int | None = None) -> Reason:
    """`unknown region 'Mexcio' on line 2: did you mean 'Mexico'?` (a Reason: translatable)."""
    where = Reason("on_line", line=line) if line is not None else ""
    what = Reason(f"kind.{kind}")
    suggestion = closest(name, known)
    if suggestion:
        return Reason("unknown_name", kind=what, name=name, where=where, suggestion=suggestion)
    if not known:
        return Reason("unknown_name_none", kind=what, name=name, where=where)
    listed = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
    return Reason("unknown_name_listed", kind=what, name=name, where=where, known=listed)


def check_names(frame: pd.DataFrame, lines: tuple[int, ...], columns: dict[str, str], names: ReferenceNames,
                create_missing: bool) -> tuple[tuple[RowError, ...], dict[str, tuple[str, ...]]]:
    """Row errors for unknown names in `columns` (column -> kind); with `create_missing` they are
    collected instead, to be added in the same write. Returns (errors, missing names per kind)."""
    errors, missing = [], {}
    for column, kind in columns.items():
        if column not in frame:
            continue
        known = set(names.of(kind))
        for line, value in zip(lines, frame[column]):
            if value is None or value != value or value in known:  # value != value: NaN
                continue
            if create_missing:
                problem = name_problem(kind, value, tuple(known | missing.get(kind, set())))
                if problem is not None:
                    errors.append(RowError(line, problem))
                else:
                    missing.setdefault(kind, set()).add(value)
            else:
                errors.append(RowError(line, unknown_reason(kind, value, names.of(kind))))  # the row has its line
    return tuple(sorted(errors, key=lambda e: e.line)), {k: tuple(sorted(v)) for k, v in missing.items()}


def require_known(names: ReferenceNames, kind: str, name: str | None) -> None:
    """Raise a ValidationError for an unknown name (CLI filters, forms); None means "all"."""
    if name is not None and name not in names.of(kind):
        reason = unknown_reason(kind, name, names.of(kind))
        raise ValidationError.keyed("error.sentence", reason=reason)


def require_names(session: Session, *, region: str | None = None, department: str | None = None,
                  program: str | None = None) -> None:
    """The names a filter or form gives must be known (None = "all"): a ValidationError with the closest one."""
    names = load_names(session)
    for kind, name in (("region", region), ("department", department), ("program", program)):
        require_known(names, kind, name)


def add_names(session: Session, missing: dict[str, tuple[str, ...]], *, actor: str, channel: str) -> int:
    """Add new names as reference data (audited), inside the caller's transaction. Returns how many."""
    added = 0
    for kind, new in missing.items():
        known = load_names(session).of(kind)
        for name in new:
            problem = name_problem(kind, name, known)
            if problem is not None:  # every path that adds names ends here: none gets past the rule
                raise ValidationError.keyed("error.sentence", reason=problem)
            if kind == "region":
                session.con.execute(
                    "INSERT INTO regions (name, language, currency, date_format, regulators, ai_rules, residency, "
                    "residency_required, validation, validation_required, updated_by, updated_at) "
                    "VALUES (?, '', '', '', '', '', '', false, '', false, ?, ?)", [name, actor, utc_now()])
            else:
                session.con.execute(f"INSERT INTO {_TABLES[kind]} (name, updated_by, updated_at) VALUES (?, ?, ?)",
                                    [name, actor, utc_now()])
            session.record_audit(actor=actor, channel=channel, action="create", entity=kind, entity_key=name,
                                 reason="added as new reference data")
            added += 1
    return added


def _merge_conflicts(session: Session, kind: str, old: str, new: str) -> list[str]:
    """Tables where moving `old`'s rows to `new` would give two rows the same key."""
    found = []
    for table, column in _USES[kind]:
        keys = _KEYS.get(table)
        if not keys:
            continue
        others = " AND ".join(f"a.{k} IS NOT DISTINCT FROM b.{k}" for k in keys if k != column)
        clash = session.scalar(f"SELECT count(*) FROM {table} AS a JOIN {table} AS b ON {others} "
                               f"WHERE a.{column} = ? AND b.{column} = ?", [old, new])
        if clash:
            found.append(f"{table} ({clash})")
    return found


def rename(store: Store, actor: Actor, kind: str, old: str, new: str) -> dict[str, int]:
    """Rename `old` to `new` everywhere it is used, or merge it into `new` when `new` exists already
    (refused if both have a row with the same key); one transaction, one audit row. Admins only.
    Returns rows moved per table."""
    require(actor, "admin", f"rename a {kind}")
    new = normal_name(new)
    if not new or new == old:
        raise ValidationError.keyed("error.rename_empty", kind=Reason(f"kind.{kind}"))
    with store.write_session() as session, session.transaction():
        names = load_names(session)
        require_known(names, kind, old)
        merging = new in names.of(kind)
        problem = None if merging else name_problem(kind, new, tuple(k for k in names.of(kind) if k != old))
        if problem is not None:
            raise ValidationError.keyed("error.sentence", reason=problem)
        if merging:
            conflicts = _merge_conflicts(session, kind, old, new)
            if conflicts:
                raise ValidationError.keyed("error.merge_conflict", kind=Reason(f"kind.{kind}"), old=old, new=new,
                                            tables=", ".join(conflicts))
        moved = {}
        rolled = session.rollup_ready()
        for table, column in _USES[kind]:
            moved[f"{table}.{column}"] = int(session.con.execute(
                f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [new, old]).fetchone()[0])
        if "observations.region" in moved and rolled:  # the periods the region's rows are in
            session.refresh_rollup("SELECT kpi_id, period FROM observations WHERE region = ?", [new])
        elif any(name.startswith("observations.") for name in moved):  # rare: rebuilt in full, restamped
            session.refresh_rollup()
        table = _TABLES[kind]
        if merging:
            session.con.execute(f"DELETE FROM {table} WHERE name = ?", [old])
        else:
            session.con.execute(f"UPDATE {table} SET name = ?, updated_by = ?, updated_at = ? WHERE name = ?",
                                [new, actor.name, utc_now(), old])
        session.record_audit(actor=actor.name, channel="form", action="merge" if merging else "rename", entity=kind,
                             entity_key=f"{old} -> {new}",
                             reason=", ".join(f"{k}: {v}" for k, v in moved.items() if v) or None)
    return moved


def add_reference(store: Store, actor: Actor, kind: str, name: str) -> None:
    """Add one region, department or program by hand (admins; audited). A name that differs from a
    known one only by case or accents is refused with that name."""
    require(actor, "admin", f"add a {kind}")
    name = normal_name(name)
    with store.write_session() as session, session.transaction():
        known = load_names(session).of(kind)
        if name in known:
            raise ValidationError.keyed("error.name_exists", kind=Reason(f"kind.{kind}"), name=name)
        add_names(session, {kind: (name,)}, actor=actor.name, channel="form")  # name_problem applies there


def set_program_start(store: Store, actor: Actor, program: str, started: date | None) -> None:
    """A program's start date (program year 1 begins on it), audited; editors and admins."""
    require(actor, "editor", "change a program's start date")
    with store.write_session() as session, session.transaction():
        require_known(load_names(session), "program", program)
        old = session.scalar("SELECT started FROM programs WHERE name = ?", [program])
        session.con.execute("UPDATE programs SET started = ?, updated_by = ?, updated_at = ? WHERE name = ?",
                            [started, actor.name, utc_now(), program])
        session.record_audit(actor=actor.name, channel="form", action="update", entity="program",
                             entity_key=f"{program}: started {old} -> {started}", reason=None)


def program_starts(session: Session) -> dict[str, date | None]:
    """Each program's start date (program year 1 begins on it); None where not set."""
    return dict(session.con.execute("SELECT name, started FROM programs").fetchall())

