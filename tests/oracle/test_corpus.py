"""scripts/prepare-gcide.py, the default corpus of `make run`, on a small
dictd database built here (so the format handling is tested exactly), and on
the real one when dict-gcide is installed."""
import gzip
import json
import os
import subprocess

import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "prepare-gcide.py")
DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def b64(n):
    out = DIGITS[n % 64]
    while n >= 64:
        n //= 64
        out = DIGITS[n % 64] + out
    return out


def make_db(tmp_path, entries, extra_index=""):
    body, index = b"", ""
    for title, text in entries:
        data = text.encode()
        index += f"{title}\t{b64(len(body))}\t{b64(len(data))}\n"
        body += data
    (tmp_path / "gcide.dict.dz").write_bytes(gzip.compress(body))
    (tmp_path / "gcide.index").write_text(index + extra_index, encoding="utf-8")
    return tmp_path


def run(tmp_path, *args):
    return subprocess.run(["/usr/bin/python3", SCRIPT, "--dict-dir", str(tmp_path), "-o", str(tmp_path / "out.jsonl"),
                           *args], capture_output=True, text=True)


def test_entries_cleaned_and_deduplicated(tmp_path):
    make_db(tmp_path, [
        ("00-database-info", "This file was converted..."),
        ("Apple", 'Apple \\Ap"ple\\, n. [OE. appel, [ae]ppel.]\n   1. The fleshy {pome} of a tree.\n   [1913 Webster]\n'),
        ("Caf\u00e9", "Caf\u00e9 , n. A coffee house.\n"),
    ])
    # A second headword pointing at the same definition is written once.
    with open(tmp_path / "gcide.index", "a", encoding="utf-8") as f:
        f.write(open(tmp_path / "gcide.index", encoding="utf-8").read().splitlines()[1].replace("Apple", "apple") + "\n")
    proc = run(tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in open(tmp_path / "out.jsonl", encoding="utf-8")]
    assert rows == [
        {"id": 0, "title": "Apple", "text": "Apple , n. 1. The fleshy pome of a tree."},
        {"id": 1, "title": "Caf\u00e9", "text": "Caf\u00e9 , n. A coffee house."},
    ]
    assert "up to date" in run(tmp_path).stdout  # newer than the database: kept


def test_bad_index_is_a_clear_error_and_leaves_no_output(tmp_path):
    make_db(tmp_path, [("Word", "Word , n. A word.\n")], extra_index="Broken\t!!\tA\n")
    proc = run(tmp_path)
    assert proc.returncode != 0 and "not a dictd base-64 number" in proc.stderr
    assert not (tmp_path / "out.jsonl").exists()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    make_db(tmp_path, [("Word", "Word , n. A word.\n")], extra_index="Far\tBAAAA\tZ\n")
    proc = run(tmp_path)
    assert proc.returncode != 0 and "runs past the end" in proc.stderr
    os.remove(tmp_path / "gcide.index")
    proc = run(tmp_path)
    assert proc.returncode != 0 and "dict-gcide" in proc.stderr


@pytest.mark.skipif(not os.path.exists("/usr/share/dictd/gcide.index"), reason="dict-gcide not installed")
def test_real_gcide(tmp_path):
    out = tmp_path / "g.jsonl"
    subprocess.run(["/usr/bin/python3", SCRIPT, "-o", str(out), "--limit", "2000"], check=True, capture_output=True)
    rows = [json.loads(line) for line in open(out, encoding="utf-8")]
    assert len(rows) == 2000 and all(r["text"] and "[1913 Webster]" not in r["text"] for r in rows)
