"""Collections end to end through the `embed` command (issue 3):

- The SIF sentence encoder (`embed text encode`) equals a NumPy
  implementation of Arora et al. (2017) over the same fastText model as
  gensim loads it: word counts from the model, a = 1e-3, unseen words from
  their n-grams; and, for a collection, the common component removed is
  the first right singular vector (np.linalg.svd) of the documents' vectors.
- `embed index build | add`, `embed search` (dense, sparse, hybrid) and
  `embed inspect` on real text (the paragraphs of /usr/share/common-licenses).
- Acceptance: kill -9 during `embed index add` leaves the collection in the
  old or the new state, never a corrupt one, and the next writer goes on.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import time

import numpy as np
import pytest

from conftest import licence_paragraphs, write_jsonl

EMBED = os.environ.get("EMBED_BIN", "embed")
SIF_A = 1e-3


def run(*args, **kw):
    return subprocess.run([EMBED, *args], capture_output=True, text=True, **kw)


def letter_words(text):
    return "".join(c if c.isalpha() else " " for c in text.lower()).split()


@pytest.fixture(scope="module")
def docs():
    return licence_paragraphs()


def sif_reference(model_path, texts):
    g = pytest.importorskip("gensim.models.fasttext").load_facebook_vectors(model_path)
    total = float(sum(g.get_vecattr(w, "count") for w in g.index_to_key))
    out = np.zeros((len(texts), g.vector_size))
    for i, t in enumerate(texts):
        words = letter_words(t)
        for w in words:
            p = g.get_vecattr(w, "count") / total if w in g.key_to_index else 1.0 / total
            out[i] += SIF_A / (SIF_A + p) * g[w].astype(np.float64)
        if words:
            out[i] /= len(words)
    return out


def test_sif_encoder_matches_numpy_over_gensim(licence_model, docs, tmp_path):
    model = licence_model
    texts = [d["text"] for d in docs[:60]] + ["Naïve unlicensable relicensing!", "12345 ..."]
    out = tmp_path / "x.npy"
    r = run("text", "encode", model, "-o", str(out), input="\n".join(texts) + "\n")
    assert r.returncode == 0, r.stderr
    np.testing.assert_allclose(np.load(out), sif_reference(model, texts), rtol=1e-4, atol=1e-6)
    assert not np.load(out)[-1].any()  # no letters: a zero vector


def test_collection_encoder_removes_the_first_singular_vector(licence_model, docs, tmp_path):
    model = licence_model
    coll = tmp_path / "coll"
    r = run("index", "build", "--model", model, "--input", write_jsonl(tmp_path / "d.jsonl", docs), "-o", str(coll),
            "--backend", "exact")
    assert r.returncode == 0, r.stderr
    x = sif_reference(model, [d["text"] for d in docs])
    u = np.linalg.svd(x, full_matrices=False)[2][0]
    texts = [d["text"] for d in docs[::7]]
    out = tmp_path / "y.npy"
    r = run("text", "encode", str(coll), "-o", str(out), input="\n".join(texts) + "\n")
    assert r.returncode == 0, r.stderr
    q = sif_reference(model, texts)
    expected = q - np.outer(q @ u, u)
    np.testing.assert_allclose(np.load(out), expected, rtol=1e-4, atol=1e-5)


def search(coll, queries, mode="dense", k=5):
    r = run("search", str(coll), *queries, "-k", str(k), "--mode", mode, "--json")
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


def inspect(coll):
    r = run("inspect", str(coll))
    assert r.returncode == 0, r.stderr
    n, gen = map(int, re.search(r"collection of (\d+) documents, generation (\d+)", r.stdout).groups())
    vectors = int(re.search(r"(\d+) vectors", r.stdout).group(1))
    return n, gen, vectors


def test_build_search_add_and_errors(licence_model, docs, tmp_path):
    model = licence_model
    base = [dict(d, id=1000 + i, licence=d["title"]) for i, d in enumerate(docs)]
    coll = tmp_path / "coll"
    r = run("index", "build", "--model", model, "--input", write_jsonl(tmp_path / "d.jsonl", base), "-o", str(coll))
    assert r.returncode == 0, r.stderr
    assert "indexing" in r.stderr  # progress
    assert inspect(coll) == (len(base), 1, len(base))
    probe = [base[5], base[len(base) // 2], base[-3]]
    for mode in ["dense", "sparse", "hybrid"]:
        results = search(coll, [d["text"] for d in probe], mode)
        for d, res in zip(probe, results):
            top = res["hits"][0]
            assert top["text"] == d["text"], (mode, d["text"][:60])  # the paragraph itself (or an identical one)
            assert top["rank"] == 1 and top["metadata"]["licence"] == top["title"]
    # add: new ids follow the largest
    extra = [{"text": "Quokkas and wombats are marsupials of Australia."}, {"title": "x", "text": "Wombats dig burrows."}]
    r = run("index", "add", str(coll), "--input", write_jsonl(tmp_path / "more.jsonl", extra))
    assert r.returncode == 0, r.stderr
    assert inspect(coll) == (len(base) + 2, 2, len(base) + 2)
    hit = search(coll, ["marsupials of Australia"], "dense", k=1)[0]["hits"][0]
    assert hit["id"] == 1000 + len(base) and "Quokkas" in hit["text"]
    assert sorted(os.listdir(coll)) == ["dense-2.idx", "documents.sqlite", "lock", "manifest.json", "terms.json"]
    # errors: one line, exit 1, the collection unchanged
    r = run("index", "build", "--model", model, "--input", str(tmp_path / "more.jsonl"), "-o", str(coll))
    assert r.returncode == 1 and "already exists" in r.stderr
    (tmp_path / "bad.jsonl").write_text('{"text": "fine"}\n{"txt": "no text"}\n')
    r = run("index", "add", str(coll), "--input", str(tmp_path / "bad.jsonl"))
    assert r.returncode == 1 and "bad.jsonl:2" in r.stderr
    r = run("index", "add", str(coll), "--input", write_jsonl(tmp_path / "dup.jsonl", [{"id": 1000, "text": "dup"}]))
    assert r.returncode == 1 and "1000" in r.stderr
    assert inspect(coll) == (len(base) + 2, 2, len(base) + 2)
    assert run("search", str(coll), "q", "-k", "0").returncode != 0
    assert run("search", str(tmp_path), "q").returncode == 1  # not a collection


def test_search_grouped_by_title(licence_model, docs, tmp_path):
    """--group-by title: one result per title (ASCII case ignored), ranked by
    its best document, with that title's best documents under it."""
    titled = [dict(d, title=d["title"].upper() if i % 2 else d["title"]) for i, d in enumerate(docs)]
    coll = tmp_path / "coll"
    r = run("index", "build", "--model", licence_model, "--input", write_jsonl(tmp_path / "d.jsonl", titled), "-o",
            str(coll))
    assert r.returncode == 0, r.stderr
    queries = ["permission to copy and distribute", "warranty of merchantability"]
    for mode in ["dense", "sparse", "hybrid"]:
        flat = search(coll, queries, mode, k=200)
        r = run("search", str(coll), *queries, "-k", "4", "--mode", mode, "--json", "--group-by", "title",
                "--per-group", "2", "--depth", "200")
        assert r.returncode == 0, r.stderr
        for answer, ungrouped in zip(map(json.loads, r.stdout.splitlines()), flat):
            groups = answer["groups"]
            # The reference: walk the ungrouped ranking, a title's first document opens its group.
            expected = {}
            for hit in ungrouped["hits"]:
                expected.setdefault(hit["title"].lower(), []).append(hit)
            expected = list(expected.items())[:4]
            assert [g["rank"] for g in groups] == list(range(1, len(expected) + 1))
            for g, (key, hits) in zip(groups, expected):
                assert g["title"].lower() == key and g["matched_entries"] == len(hits)
                assert [e["id"] for e in g["entries"]] == [h["id"] for h in hits[:2]]
                assert g["score"] == hits[0]["score"]
                top = g["entries"][0]
                if mode != "sparse":
                    assert "dense" in top or mode == "hybrid"
                if mode == "dense":
                    assert top["dense"] == {"score": top["score"], "rank": [h["id"] for h in ungrouped["hits"]].index(top["id"]) + 1}
                if mode == "hybrid":
                    assert "dense" in top or "sparse" in top
    bad = run("search", str(coll), "q", "--group-by", "path")
    assert bad.returncode != 0 and "path" in bad.stderr


def test_kill_9_during_add_leaves_the_old_or_the_new_state(licence_model, docs, tmp_path):
    """Acceptance (issue 3): a collection survives kill -9 during `index add`."""
    base = tmp_path / "base"
    first = docs[: len(docs) // 3]
    r = run("index", "build", "--model", licence_model, "--input", write_jsonl(tmp_path / "a.jsonl", first), "-o",
            str(base))
    assert r.returncode == 0, r.stderr
    # A batch big enough that the add takes a while (HNSW inserts).
    batch = [{"text": f"{d['text']} variant {i}"} for i in range(6) for d in docs]
    add_file = write_jsonl(tmp_path / "batch.jsonl", batch)
    timing = tmp_path / "timing"
    shutil.copytree(base, timing)
    t0 = time.monotonic()
    assert run("index", "add", str(timing), "--input", add_file).returncode == 0
    full = time.monotonic() - t0
    marker = batch[-1]["text"]
    outcomes = []
    for fraction in [0.02, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 0.95, 1.05]:
        coll = tmp_path / f"kill-{fraction}"
        shutil.copytree(base, coll)
        proc = subprocess.Popen([EMBED, "index", "add", str(coll), "--input", add_file], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(full * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        n, gen, vectors = inspect(coll)
        assert (n, gen, vectors) in [(len(first), 1, len(first)), (len(first) + len(batch), 2, len(first) + len(batch))]
        new = gen == 2
        outcomes.append("new" if new else "old")
        hits = search(coll, [marker], "sparse", k=50)[0]["hits"]
        assert any(h["text"] == marker for h in hits) == new
        # The next writer clears what the killed one left and adds.
        r = run("index", "add", str(coll), "--input", write_jsonl(tmp_path / "one.jsonl", [{"text": "one more"}]))
        assert r.returncode == 0, r.stderr
        assert inspect(coll)[:2] == (n + 1, gen + 1)
        assert [f for f in os.listdir(coll) if f.endswith(".idx") or ".tmp." in f] == [f"dense-{gen + 1}.idx"]
    print(f"add took {full:.2f} s; states after kill -9: {outcomes}")
    assert outcomes[0] == "old"


def test_embed_demo_builds_once_and_searches(docs, tmp_path):
    """`embed demo` (what `make run` runs after preparing GCIDE) on a small prepared corpus."""
    corpus = write_jsonl(tmp_path / "docs.jsonl", [dict(d, id=i) for i, d in enumerate(docs)])
    words = tmp_path / "words.txt"
    words.write_text("".join(" ".join(letter_words(d["text"])) + "\n" for d in docs))
    args = ["demo", "--corpus", corpus, "--words", str(words), "--workdir", str(tmp_path / "work"), "-k", "3"]
    r = run(*args, "the software is provided as is without warranty")
    assert r.returncode == 0, r.stderr
    assert "training subword vectors" in r.stderr and "building" in r.stderr
    assert "query: the software is provided as is without warranty" in r.stdout
    # One result per title (the dictionary's words), with what each list said of it.
    assert re.search(r"^\s+1\. .+  \(dense cosine \d\.\d{3} #\d+, BM25 \d+\.\d{3} #\d+", r.stdout, re.M)
    assert re.search(r"^\s+\[\d+\] ", r.stdout, re.M) and "warrant" in r.stdout.lower()
    titles = re.findall(r"^\s+\d\. (.+?)  \(", r.stdout, re.M)
    assert len(titles) == 3 and len(set(t.lower() for t in titles)) == 3
    again = run(*args, "--mode", "dense", "--group-by", "none", "copyright notice")
    assert again.returncode == 0 and again.stderr.count("up to date") == 2
    assert len(re.findall(r"^\s+\d\. \[\d+\] ", again.stdout, re.M)) == 3
    missing = run("demo", "--corpus", str(tmp_path / "none.jsonl"), "--workdir", str(tmp_path / "w2"))
    assert missing.returncode == 1 and "prepare-gcide.py" in missing.stderr
