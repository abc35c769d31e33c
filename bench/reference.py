"""bench/reference.py: bench/reference.md, the one place the published
performance figures live, and what the benchmarks say about the machine.

bench/reference.md has one section per benchmark, between the lines
<!-- begin NAME --> and <!-- end NAME -->; bench/bench.py and bench/trees.py
each rewrite their own section after a full run and leave the rest of the
file alone.  Nobody edits the figures by hand: README.md links here.
"""
import datetime
import os
import platform
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PATH = os.path.join(HERE, "reference.md")

HEAD = """# Reference numbers

Written by the benchmarks themselves: `make bench` (bench/run.sh) rewrites
the first section, `bench/trees.sh` the second, each after a full run (see
bench/README.md). Do not edit the figures by hand; README.md links here.
"""


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    return ln.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def os_name():
    try:
        with open("/etc/os-release") as f:
            for ln in f:
                if ln.startswith("PRETTY_NAME="):
                    return ln.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.system()


def memory_gb():
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        return "%.0f GB" % (kb / 1048576)
    except (OSError, ValueError, IndexError):
        return "?"


def machine():
    """One line: cores, CPU, memory, OS, kernel."""
    return "%d cores (%s), %s RAM, %s, Linux %s" % (
        os.cpu_count(), cpu_model(), memory_gb(), os_name(), platform.release())


def git(*args):
    return subprocess.run(["git", "-C", ROOT] + list(args), capture_output=True, text=True,
                          check=True).stdout.strip()


def commit():
    """The work tree's commit, the last one that changed maas's source, and
    whether the source differs from it (the benchmarks run the maas built
    from this tree)."""
    source = ["src", "sql", "Makefile", "maas.control"]
    try:
        head = git("log", "-1", "--format=%h %cs")
        src = git("log", "-1", "--format=%h %cs", "--", *source)
        dirty = git("status", "--porcelain", "--", *source)
    except (OSError, subprocess.CalledProcessError):
        return "?"
    text = "commit %s (%s)" % tuple(head.split())
    if src != head:
        text += ", source as of %s (%s)" % tuple(src.split())
    return text + (", with uncommitted changes" if dirty else "")


def now():
    return datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def want(full):
    """Whether this run rewrites bench/reference.md: BENCH_REFERENCE=1
    always, =0 never, unset: when it is a full run."""
    v = os.environ.get("BENCH_REFERENCE", "auto")
    return v == "1" or (v != "0" and full)


def write_section(name, text):
    """Replace the section NAME of bench/reference.md by text (or append it)."""
    begin, end = "<!-- begin %s -->" % name, "<!-- end %s -->" % name
    block = "%s\n%s\n%s" % (begin, text.strip("\n"), end)
    try:
        with open(PATH) as f:
            doc = f.read()
    except FileNotFoundError:
        doc = HEAD
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if pattern.search(doc):
        doc = pattern.sub(lambda _: block, doc)
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    with open(PATH, "w") as f:
        f.write(doc)
