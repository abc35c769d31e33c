"""Validate META.json against the PGXN meta spec 1.0.0
(https://pgxn.org/meta/spec.txt) and against the rest of the tree: the
version is maas.control's default_version and debian/changelog's, the
files it names exist.  Prints TAP (test/suite/meta.sh)."""
import json
import re
import sys

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+)?$")
LICENSES = {"agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2", "bsd", "freebsd",
            "gfdl_1_2", "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3", "lgpl_2_1", "lgpl_3_0", "mit",
            "mozilla_1_0", "mozilla_1_1", "openssl", "perl_5", "postgresql", "qpl_1_0", "ssleay",
            "sun", "zlib", "open_source", "restricted", "unrestricted", "unknown"}
PHASES = {"configure", "build", "test", "runtime", "develop"}
RELATIONS = {"requires", "recommends", "suggests", "conflicts"}
n = 0


def check(cond, what):
    global n
    n += 1
    print(("ok" if cond else "not ok") + " %d - META.json: %s" % (n, what))


def version_ok(v):
    return isinstance(v, str) and (SEMVER.match(v) is not None or v == "0")


try:
    meta = json.load(open("META.json"))
    check(isinstance(meta, dict), "is a JSON object")
except (OSError, ValueError) as e:
    check(False, "parses: %s" % e)
    print("1..%d" % n)
    sys.exit(0)

for key in ("name", "abstract", "version", "maintainer", "license", "provides", "meta-spec"):
    check(key in meta, "has the required key %s" % key)
check(re.match(r"^[A-Za-z][A-Za-z0-9_-]*$", meta.get("name", "")) is not None, "name is a valid distribution name")
check(isinstance(meta.get("abstract"), str) and 0 < len(meta["abstract"]) <= 200, "abstract is a short string")
check(version_ok(meta.get("version")), "version %r is a semantic version" % meta.get("version"))
m = meta.get("maintainer")
check(isinstance(m, str) or (isinstance(m, list) and m and all(isinstance(x, str) for x in m)),
      "maintainer is a string or a list of strings")
lic = meta.get("license")
check(lic in LICENSES or (isinstance(lic, dict) and all(isinstance(u, str) for u in lic.values()))
      or (isinstance(lic, list) and all(x in LICENSES for x in lic)), "license %r is one the spec knows" % (lic,))
spec = meta.get("meta-spec", {})
check(spec.get("version") == "1.0.0", "meta-spec version is 1.0.0")
provides = meta.get("provides", {})
check(isinstance(provides, dict) and provides, "provides names at least one extension")
for ext, p in provides.items():
    check(version_ok(p.get("version")), "provides %s: version %r" % (ext, p.get("version")))
    for f in ("file", "docfile"):
        if f in p:
            try:
                open(p[f]).close()
                check(True, "provides %s: %s %s exists" % (ext, f, p[f]))
            except OSError:
                check(False, "provides %s: %s %s exists" % (ext, f, p[f]))
    unknown = set(p) - {"file", "docfile", "version", "abstract"}
    check(not unknown or all(k.startswith("x_") or k.startswith("X_") for k in unknown),
          "provides %s: no unknown keys %s" % (ext, sorted(unknown)))
prereqs = meta.get("prereqs", {})
check(set(prereqs) <= PHASES and all(set(r) <= RELATIONS and all(version_ok(v) for v in d.values())
                                     for r in prereqs.values() for d in r.values()),
      "prereqs are phase -> relation -> {name: version}")
check(meta.get("release_status", "stable") in {"stable", "testing", "unstable"}, "release_status is valid")
known = {"name", "abstract", "description", "version", "maintainer", "license", "provides", "meta-spec",
         "prereqs", "release_status", "resources", "generated_by", "no_index", "tags"}
extra = [k for k in meta if k not in known and not k.lower().startswith("x_")]
check(not extra, "no unknown top-level keys %s" % extra)
check(all(isinstance(t, str) and 0 < len(t) <= 255 for t in meta.get("tags", [])), "tags are short strings")

# agreement with the tree
control = open("maas.control").read()
default = re.search(r"^default_version\s*=\s*'([^']*)'", control, re.M).group(1)
check(meta.get("version") == default and provides.get("maas", {}).get("version") == default,
      "version is maas.control's default_version %s" % default)
deb = re.match(r"^maas \(([^)-]+)(-[^)]*)?\)", open("debian/changelog").readline())
check(deb is not None and deb.group(1) == default, "debian/changelog's upstream version is %s" % default)
print("1..%d" % n)
