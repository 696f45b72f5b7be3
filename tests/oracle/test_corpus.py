"""scripts/prepare-gcide.py, the default corpus of `make run`, on a small
dictd database built here (so the format handling is tested exactly), and on
the real one when dict-gcide is installed."""
import gzip
import json
import os
import re
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
        ("00-database-info", "00-database-info\n   This file was converted...\n"),
        ("Apple", 'Apple \\Ap"ple\\ ([a^]p"p\'l), n. [OE. appel, [ae]ppel.]\n   1. The fleshy {pome} of a tree.\n'
                  '   [1913 Webster]\n'),
        ("Caf\u00e9", "Caf['e] \\Caf`['e]\\, n. A coffee house; n[imac]ght [root]2.\n"),
    ])
    # Other keys pointing at the same definition: kept as its headwords, written once;
    # the first key in the index is not the title.
    lines = open(tmp_path / "gcide.index", encoding="utf-8").read().splitlines()
    apple = lines[1].split("\t")
    with open(tmp_path / "gcide.index", "w", encoding="utf-8") as f:
        f.write("\n".join([lines[0], "Malus pumila\t" + "\t".join(apple[1:])] + lines[1:] +
                          ["apple\t" + "\t".join(apple[1:]), "Apple tree\t" + "\t".join(apple[1:])]) + "\n")
    proc = run(tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in open(tmp_path / "out.jsonl", encoding="utf-8")]
    assert rows == [
        {"id": 0, "title": "Apple", "text": "Apple (\u0103p\"p'l), n. 1. The fleshy pome of a tree.",
         "headwords": ["Apple", "Malus pumila", "Apple tree"]},
        {"id": 1, "title": "Caf\u00e9", "text": "Caf\u00e9 , n. A coffee house; n\u012bght \u221a2.",
         "headwords": ["Caf\u00e9"]},
    ]
    assert "up to date" in run(tmp_path).stdout  # newer than the database: kept


def test_tails_and_several_headwords(tmp_path):
    # A range that starts mid-definition continues the entry before it; an
    # entry may define several headwords at its start.
    make_db(tmp_path, [
        ("Dingey", 'Dingey \\Din"gey\\, Dingy \\Din"gy\\, n. 1. A small boat.\n'),
        ("Dinghy racing", "\n[1913 Webster]\n\n   2. A race of such boats.\n"),
        ("Oar", "Oar \\Oar\\ ([=o]r), n. A lever for rowing.\n"),
    ])
    proc = run(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "1 tails joined" in proc.stdout
    rows = [json.loads(line) for line in open(tmp_path / "out.jsonl", encoding="utf-8")]
    assert [(r["title"], r["headwords"]) for r in rows] == [("Dingey", ["Dingey", "Dingy", "Dinghy racing"]),
                                                            ("Oar", ["Oar"])]
    assert rows[0]["text"] == "Dingey , Dingy , n. 1. A small boat. 2. A race of such boats."
    assert rows[1]["text"] == "Oar (\u014dr), n. A lever for rowing."


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
    proc = subprocess.run(["/usr/bin/python3", SCRIPT, "-o", str(out)], check=True, capture_output=True, text=True)
    rows = [json.loads(line) for line in open(out, encoding="utf-8")]
    # Counts: every byte range of the database is an entry, a tail joined to
    # the entry before it, a repeat of an entry (same title and text), or the
    # database's description of itself (5 ranges).
    assert "126240 definitions in the database, 11 tails joined to the entry before them, 8 repeated" in proc.stdout
    assert len(rows) == 126216 == len({r["id"] for r in rows})
    assert all(r["headwords"] and r["title"] == r["headwords"][0] and r["text"] for r in rows)
    assert len({w.lower() for r in rows for w in r["headwords"]}) == 169562
    assert len({(r["title"], r["text"]) for r in rows}) == len(rows)  # nothing written twice
    # No entity or source note is left, and each title is the word the text defines.
    assert not [r for r in rows if "[1913 Webster]" in r["text"] or re.search(r"\[[=^.\"'`~*-]?[a-z]{1,5}\^?\]", r["text"])]
    assert all(r["text"].startswith(r["title"].split()[0]) for r in rows)
    by_title = {}
    for r in rows:
        by_title.setdefault(r["title"], []).append(r)
    coffee = by_title["Coffee"][0]
    assert coffee["text"].startswith('Coffee (ka\u0324"f\u0113; k\u014ff"f\u0113; 115), n. 1. The "beans"')
    assert "Coffea Arabica" in coffee["headwords"] and "Coffea Arabica" not in by_title
    assert by_title["Boat"][0]["text"].startswith("Boat (b\u014dt), n. 1. A small open vessel")
    assert by_title["Night"][0]["text"].startswith("Night (n\u012bt), n. 1. That part of the natural day")
    assert "Acrocephalus phragmitis" in by_title["Night"][0]["headwords"]
    assert any(r["text"].startswith("Wine , n. 1. The expressed juice of grapes") for r in by_title["Wine"])
    assert "Birch wine" not in by_title
    assert len(by_title["Salt"]) == 5 and by_title["Salt"][0]["text"].startswith("Salt , n. 1. The chloride of sodium")
