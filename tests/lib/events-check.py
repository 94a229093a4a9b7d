#!/usr/bin/env python3
"""Check event logs against the schema in docs/events.md.

  events-check.py DOCS FILE...

The tables of docs/events.md are the schema: a key of a record must be a
row of "Keys of every record", of the record type's own table, of the
admin keys (client_*, *_old/*_new) or, for throttle_end and oom, of the
seed's keys; its value must have the row's type; "always" rows must be
there. Prints one line per file ("N records" or the first problems) and
exits 1 when a record is wrong.
"""
import json
import re
import sys

ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*([^|]+?)\s*\|\s*[^|]*\|\s*(always|optional)\s*\|")


def load_schema(path):
    tables, section, version = {}, None, None
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^Schema version: (\d+)", line)
        if m:
            version = int(m.group(1))
        m = re.match(r"^#{2,3} (.*)", line)
        if m:
            title = m.group(1).strip()
            t = re.match(r"^`(\w+)`$", title)
            section = t.group(1) if t else {
                "Keys of every record": "common",
                "Keys of records made by an admin action": "admin",
                "The seed's keys": "seed"}.get(title)
            if section:
                tables.setdefault(section, {})
            continue
        m = ROW.match(line.replace("\\|", "/"))
        if m and section:
            types = m.group(2).split("/")
            tables[section][m.group(1)] = (set(t.strip() for t in types),
                                           m.group(3) == "always")
    return version, tables


def type_ok(value, types):
    if value is None:
        return "null" in types
    if isinstance(value, bool):
        return "boolean" in types
    if isinstance(value, int):
        return bool(types & {"integer", "number"})
    if isinstance(value, float):
        return "number" in types
    if isinstance(value, str):
        return "string" in types
    return False


def check(rec, version, tables):
    name = rec.get("event")
    if name not in tables or name in ("common", "admin", "seed"):
        return ["unknown event type %r" % (name,)]
    if rec.get("schema") != version:
        return ["schema %r, docs/events.md is %r" % (rec.get("schema"), version)]
    allowed = dict(tables["admin"])
    allowed.update(tables["common"])
    if name in ("throttle_end", "oom"):
        allowed.update(tables["seed"])
    allowed.update(tables[name])
    errs = []
    for key, value in rec.items():
        if key not in allowed:
            errs.append("%s: key %r not in docs/events.md" % (name, key))
        elif not type_ok(value, allowed[key][0]):
            errs.append("%s: %s = %r is not %s" % (
                name, key, value, "|".join(sorted(allowed[key][0]))))
    for key, (_, always) in allowed.items():
        if always and key not in rec and (
                key in tables[name] or key in tables["common"] or
                (key in tables["seed"] and name in ("throttle_end", "oom"))):
            errs.append("%s: key %r missing" % (name, key))
    return errs


def main():
    version, tables = load_schema(sys.argv[1])
    bad = 0
    for path in sys.argv[2:]:
        n, errs = 0, []
        for i, line in enumerate(open(path, encoding="utf-8"), 1):
            try:
                rec = json.loads(line)
            except ValueError as e:
                errs.append("line %d: not JSON (%s)" % (i, e))
                continue
            n += 1
            errs += ["line %d: %s" % (i, e) for e in check(rec, version, tables)]
        if errs:
            bad += 1
            print("%s: %s" % (path, "; ".join(errs[:3])))
        else:
            print("%s: %d records" % (path, n))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
