"""Reading dictd databases (the format of Debian's dict-* packages): an index
of "headword TAB offset TAB length" lines, the numbers in dictd's base-64
digits (A-Z a-z 0-9 + /), over a gzip-compatible .dict.dz body; and the
atomic output both corpus scripts in this folder write through."""
import contextlib
import gzip
import os
import sys
import tempfile

DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
VALUE = {c: i for i, c in enumerate(DIGITS)}


def b64(field, where):
    value = 0
    for c in field:
        if c not in VALUE:
            sys.exit(f"{where}: '{field}' is not a dictd base-64 number")
        value = value * 64 + VALUE[c]
    return value


def read(dict_dir, name, package):
    """The database's body (bytes) and its definitions: a list of
    (offset, length, [headwords]) in index order of first appearance, each
    byte range once with every index key that points at it (in index order,
    repeats dropped), the database's own 00-database-* entries skipped."""
    index = os.path.join(dict_dir, f"{name}.index")
    data = os.path.join(dict_dir, f"{name}.dict.dz")
    for path in (index, data):
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: install the Debian package {package} (make deps does)")
    with gzip.open(data) as f:
        body = f.read()
    keys = {}
    with open(index, encoding="utf-8", errors="replace") as idx:
        for line_no, line in enumerate(idx, 1):
            where = f"{index}:{line_no}"
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                sys.exit(f"{where}: expected headword, offset and length separated by tabs")
            title, offset, length = parts[0], b64(parts[1], where), b64(parts[2], where)
            if title.startswith("00-database"):
                continue
            if offset + length > len(body):
                sys.exit(f"{where}: entry runs past the end of {data}")
            heads = keys.setdefault((offset, length), [])
            if title not in heads:
                heads.append(title)
    return body, [(o, n, heads) for (o, n), heads in keys.items()]


def entries(dict_dir, name, package):
    """Yields (first headword, definition text) once per distinct definition."""
    body, defs = read(dict_dir, name, package)
    for offset, length, heads in defs:
        yield heads[0], body[offset:offset + length].decode("utf-8", errors="replace")


def newer_than(output, *inputs):
    return os.path.exists(output) and all(os.path.getmtime(output) >= os.path.getmtime(i) for i in inputs)


@contextlib.contextmanager
def atomic_output(path, encoding="utf-8"):
    """A text file that replaces `path` only if the block completes (temporary
    file beside it, then rename); on any error or exit the old file stays."""
    out_dir = os.path.dirname(os.path.abspath(path))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix="." + os.path.basename(path) + "-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding=encoding) as out:
            yield out
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
