"""`embed eval retrieval` against retrieval_reference.py (the metrics written
directly from trec_eval's / BEIR's definitions in NumPy), to 1e-9:

- constructed runs with ties in score (broken by document id, descending,
  as trec_eval does), documents without judgements, judged queries missing
  from the run, run queries without judgements, graded relevance (nDCG's
  gain is the relevance), judgements of 0 and below;
- seeded random runs and qrels, every metric at k = 1, 3, 10, 100;
- a BEIR folder: a collection built from its corpus.jsonl (string "_id"s),
  searched in each mode, scored on the run it saves;
- bad files: one clear error naming file and line.
"""
import json
import os
import random
import subprocess

import numpy as np
import pytest

import retrieval_reference as ref
from conftest import licence_paragraphs, write_jsonl

EMBED = os.environ.get("EMBED_BIN", "embed")


def run(*args):
    return subprocess.run([EMBED, *args], capture_output=True, text=True)


def write_run(path, runs):
    with open(path, "w") as f:
        for q, docs in runs.items():
            for i, (d, s) in enumerate(docs.items()):
                f.write(f"{q} Q0 {d} {i + 1} {s!r} test\n")
    return str(path)


def write_qrels(path, qrels, trec=False):
    with open(path, "w") as f:
        if not trec:
            f.write("query-id\tcorpus-id\tscore\n")
        for q, docs in qrels.items():
            for d, r in docs.items():
                f.write(f"{q} 0 {d} {r}\n" if trec else f"{q}\t{d}\t{r}\n")
    return str(path)


def ours(tmp_path, runs, qrels, cutoffs=(1, 10, 100), trec=False):
    per_query = tmp_path / "per_query.tsv"
    r = run("eval", "retrieval", "--run", write_run(tmp_path / "run.trec", runs), "--qrels",
            write_qrels(tmp_path / "qrels.tsv", qrels, trec), "--cutoffs", ",".join(map(str, cutoffs)), "--json",
            "--per-query", str(per_query))
    assert r.returncode == 0, r.stderr
    mean = json.loads(r.stdout)[0]
    rows = [line.rstrip("\n").split("\t") for line in open(per_query)]
    header, rows = rows[0], rows[1:]
    per = {row[1]: dict(zip(header[3:], map(float, row[3:]))) | {"first": int(row[2])} for row in rows}
    return mean, per


def check(tmp_path, runs, qrels, cutoffs=(1, 10, 100), trec=False):
    mean, per = ours(tmp_path, runs, qrels, cutoffs, trec)
    want_mean, want_per = ref.evaluate(runs, qrels, cutoffs)
    assert mean["judged_queries"] == len(want_per)
    for name, value in want_mean.items():
        assert mean["metrics"][name] == pytest.approx(value, abs=1e-9), name
    assert set(per) == set(want_per)
    for q, values in want_per.items():
        for name, value in values.items():
            assert per[q][name] == pytest.approx(value, abs=1e-6), (q, name)
        first = ref.first_relevant_rank(runs.get(q, {}), qrels[q])
        assert per[q]["first"] == (first or 0)
    return mean, per


def test_constructed_cases(tmp_path):
    runs = {
        # ties: d2, d3 and d1 share a score; trec_eval orders them d3, d2, d1
        "q1": {"d1": 1.0, "d2": 1.0, "d3": 1.0, "d4": 0.5, "x": 2.0},
        # graded relevance, a relevant document not retrieved
        "q2": {"a": 3.0, "b": 2.0, "c": 1.0},
        # no relevant document retrieved
        "q3": {"z": 1.0},
        # a run query nobody judged: ignored
        "q9": {"a": 1.0},
    }
    qrels = {
        "q1": {"d1": 1, "d3": 0, "d4": 2, "unseen": -1},
        "q2": {"a": 1, "c": 3, "gone": 2},
        "q3": {"y": 1},
        "q4": {"w": 1},           # judged, but missing from the run: scores 0
        "q5": {"n": 0},           # no relevant document: not a judged query
    }
    mean, per = check(tmp_path, runs, qrels, cutoffs=(1, 2, 3, 10))
    assert mean["judged_queries"] == 4 and "q5" not in per and "q9" not in per
    # By hand: q1 ranks x, d3, d2, d1, d4: first relevant (d1) at 4.
    assert per["q1"]["first"] == 4 and per["q1"]["mrr@10"] == pytest.approx(0.25)
    # q2: gains 1, 0, 3 against the ideal 3, 2, 1.
    dcg = 1 + 3 / np.log2(4)
    idcg = 3 + 2 / np.log2(3) + 1 / np.log2(4)
    assert per["q2"]["ndcg@3"] == pytest.approx(dcg / idcg)
    assert per["q2"]["map@10"] == pytest.approx((1 + 2 / 3) / 3) and per["q2"]["recall@3"] == pytest.approx(2 / 3)
    assert per["q4"]["accuracy@10"] == 0 and per["q4"]["first"] == 0
    # TREC qrels give the same numbers as BEIR's TSV
    assert ours(tmp_path, runs, qrels, (1, 2, 3, 10), trec=True)[0] == mean


def test_random_runs(tmp_path):
    rng = random.Random(7)
    runs, qrels = {}, {}
    for q in range(60):
        docs = [f"doc{rng.randrange(400)}" for _ in range(rng.randrange(0, 150))]
        runs[f"q{q}"] = {d: float(rng.randrange(20)) / 4 for d in dict.fromkeys(docs)}  # many ties
        qrels[f"q{q}"] = {f"doc{rng.randrange(400)}": rng.choice([0, 1, 1, 2, 3]) for _ in range(rng.randrange(1, 12))}
    check(tmp_path, runs, qrels, cutoffs=(1, 3, 10, 100))


def test_beir_folder_and_collection(tmp_path, licence_model):
    paras = licence_paragraphs()[:300]
    beir = tmp_path / "beir"
    (beir / "qrels").mkdir(parents=True)
    write_jsonl(beir / "corpus.jsonl", [{"_id": f"p-{i}", "title": p["title"], "text": p["text"]}
                                        for i, p in enumerate(paras)])
    rng = random.Random(3)
    picked = rng.sample(range(len(paras)), 20)
    # A query is a few words of a paragraph; that paragraph is relevant (2), others of its licence 1.
    queries = [{"_id": f"Q{n}", "text": " ".join(paras[i]["text"].split()[3:11])} for n, i in enumerate(picked)]
    write_jsonl(beir / "queries.jsonl", queries)
    qrels = {}
    for n, i in enumerate(picked):
        qrels[f"Q{n}"] = {f"p-{j}": 1 for j, p in enumerate(paras) if p["title"] == paras[i]["title"] and j != i}
        qrels[f"Q{n}"][f"p-{i}"] = 2
    write_qrels(beir / "qrels" / "test.tsv", qrels)
    coll = tmp_path / "coll"
    r = run("index", "build", "--model", licence_model, "--input", str(beir / "corpus.jsonl"), "-o", str(coll))
    assert r.returncode == 0, r.stderr
    r = run("eval", "retrieval", "--collection", str(coll), "--beir", str(beir), "--json", "--save-run",
            str(tmp_path / "run"), "--depth", "50")
    assert r.returncode == 0, r.stderr
    reports = {x["run"]: x for x in json.loads(r.stdout)}
    assert set(reports) == {"dense", "sparse/bm25", "hybrid/bm25"}
    for label, report in reports.items():
        saved = {}
        for line in open(tmp_path / f"run.{label.replace('/', '-')}.trec"):
            q, _, d, _, s, _ = line.split()
            saved.setdefault(q, {})[d] = float(s)
        want, _ = ref.evaluate(saved, qrels, (1, 10, 100))
        for name, value in want.items():
            assert report["metrics"][name] == pytest.approx(value, abs=1e-6), (label, name)
        assert report["metrics"]["accuracy@10"] > 0.5  # the queries are pieces of their paragraphs
    # Grouped by title: titles ranked as `embed search --group-by title` ranks them, a title judged by the
    # best relevance among its paragraphs.
    r = run("eval", "retrieval", "--collection", str(coll), "--beir", str(beir), "--json", "--group-by", "title",
            "--mode", "sparse", "--depth", "20")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)[0]["metrics"]
    s = run("search", str(coll), *[q["text"] for q in queries], "--mode", "sparse", "--group-by", "title", "-k", "20",
            "--json")
    assert s.returncode == 0, s.stderr
    title_run = {q["_id"]: {g["title"].lower(): -float(g["rank"]) for g in json.loads(line)["groups"]}
                 for q, line in zip(queries, s.stdout.splitlines())}
    title_of = {f"p-{i}": p["title"].lower() for i, p in enumerate(paras)}
    title_qrels = {}
    for q, docs in qrels.items():
        for d, rel in docs.items():
            t = title_qrels.setdefault(q, {})
            t[title_of[d]] = max(t.get(title_of[d], rel), rel)
    want, _ = ref.evaluate(title_run, title_qrels, (1, 10, 100))
    for name, value in want.items():
        assert got[name] == pytest.approx(value, abs=1e-9), name


@pytest.mark.parametrize("qrels,run_text,message", [
    ("q1\td1\n", "q1 Q0 d1 1 1.0 t\n", "qrels.tsv:1"),
    ("q1\td1\tx\n", "q1 Q0 d1 1 1.0 t\n", "not a whole number"),
    ("q1\td1\t1\nq1\td1\t2\n", "q1 Q0 d1 1 1.0 t\n", "second time"),
    ("q1\td1\t1\n", "q1 Q0 d1 1 nan t\n", "run.trec:1"),
    ("q1\td1\t1\n", "q1 Q0 d1 1\n", "qid Q0 docid rank score tag"),
    ("q1\td1\t1\n", "q1 Q0 d1 1 1.0 t\nq1 Q0 d1 2 0.5 t\n", "second time"),
    ("", "q1 Q0 d1 1 1.0 t\n", "no relevance judgements"),
])
def test_bad_files_are_clear_errors(tmp_path, qrels, run_text, message):
    (tmp_path / "qrels.tsv").write_text(qrels)
    (tmp_path / "run.trec").write_text(run_text)
    r = run("eval", "retrieval", "--qrels", str(tmp_path / "qrels.tsv"), "--run", str(tmp_path / "run.trec"))
    assert r.returncode == 1 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_grouped_with_collection_ids(tmp_path, licence_model):
    """Without a corpus.jsonl, judged documents are collection ids and their
    titles come from the collection."""
    paras = licence_paragraphs()[:200]
    docs = write_jsonl(tmp_path / "docs.jsonl", [{"id": i, "title": p["title"], "text": p["text"]}
                                                for i, p in enumerate(paras)])
    coll = tmp_path / "coll"
    assert run("index", "build", "--model", licence_model, "--input", docs, "-o", str(coll)).returncode == 0
    picked = [3, 50, 120, 180]
    queries = [{"_id": f"Q{i}", "text": " ".join(paras[i]["text"].split()[2:10])} for i in picked]
    write_jsonl(tmp_path / "queries.jsonl", queries)
    qrels = {f"Q{i}": {str(i): 1} for i in picked}
    r = run("eval", "retrieval", "--collection", str(coll), "--queries", str(tmp_path / "queries.jsonl"), "--qrels",
            write_qrels(tmp_path / "qrels.tsv", qrels), "--group-by", "title", "--mode", "sparse", "--depth", "20",
            "--json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)[0]["metrics"]
    s = run("search", str(coll), *[q["text"] for q in queries], "--mode", "sparse", "--group-by", "title", "-k", "20",
            "--json")
    title_run = {q["_id"]: {g["title"].lower(): -float(g["rank"]) for g in json.loads(line)["groups"]}
                 for q, line in zip(queries, s.stdout.splitlines())}
    title_qrels = {f"Q{i}": {paras[i]["title"].lower(): 1} for i in picked}
    want, _ = ref.evaluate(title_run, title_qrels, (1, 10, 100))
    for name, value in want.items():
        assert got[name] == pytest.approx(value, abs=1e-9), name
    bad = write_qrels(tmp_path / "bad.tsv", {"Q3": {"p-3": 1}})
    r = run("eval", "retrieval", "--collection", str(coll), "--queries", str(tmp_path / "queries.jsonl"), "--qrels", bad,
            "--group-by", "title")
    assert r.returncode == 1 and "not a collection id" in r.stderr
