"""The embed CLI as a user runs it: a long run stops cleanly on Ctrl-C."""
import os
import signal
import subprocess
import time

import pytest

EMBED = os.environ.get("EMBED_BIN")


@pytest.mark.skipif(not EMBED, reason="EMBED_BIN not set (ctest sets it)")
def test_demo_stops_cleanly_on_sigint(tmp_path):
    out = tmp_path / "model.safetensors"
    proc = subprocess.Popen([EMBED, "demo", "mlp", "--steps", "100000", "-o", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "training interrupted" in stderr
    assert "training" in stderr and "steps/s" in stderr  # progress was shown
    assert not out.exists()  # nothing half-written


@pytest.mark.skipif(not EMBED, reason="EMBED_BIN not set (ctest sets it)")
def test_unknown_option_is_a_clear_error():
    proc = subprocess.run([EMBED, "demo", "mlp", "--no-such-option"], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "no-such-option" in proc.stderr


@pytest.mark.skipif(not EMBED, reason="EMBED_BIN not set (ctest sets it)")
def test_tokenizer_encode_decode_json_lines(tmp_path):
    import json
    from test_tokenizer_json import bert_json
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(bert_json()), encoding="utf-8")
    enc = subprocess.run([EMBED, "tokenizer", "encode", str(path)], input="Hello world\ncaf\u00e9!\n",
                         capture_output=True, text=True, check=True)
    lines = [json.loads(line) for line in enc.stdout.splitlines()]
    assert lines[0]["ids"] == [101, 7592, 2088, 102]
    assert lines[0]["tokens"] == ["[CLS]", "hello", "world", "[SEP]"]
    assert lines[1]["offsets"][1] == [0, 5]  # "café" is 5 bytes
    ids_only = subprocess.run([EMBED, "tokenizer", "encode", str(path), "--ids"], input="Hello world\n",
                              capture_output=True, text=True, check=True)
    assert ids_only.stdout == "101 7592 2088 102\n"
    dec = subprocess.run([EMBED, "tokenizer", "decode", str(path)],
                         input="\n".join(json.dumps(l["ids"]) for l in lines) + "\n",
                         capture_output=True, text=True, check=True)
    assert dec.stdout.splitlines() == ["hello world", "cafe!"]  # the WordPiece decoder's clean-up
    bad = subprocess.run([EMBED, "tokenizer", "decode", str(path)], input="not json\n", capture_output=True, text=True)
    assert bad.returncode == 1 and "line 1" in bad.stderr


@pytest.mark.skipif(not EMBED or not os.path.exists("/usr/share/common-licenses/GPL-3"), reason="needs EMBED_BIN and GPL-3")
@pytest.mark.parametrize("model", ["bpe", "wordpiece", "word"])
def test_tokenizer_train_writes_a_loadable_tokenizer(model, tmp_path):
    import json
    import embedcpp as E
    out = tmp_path / "tok.json"
    proc = subprocess.run([EMBED, "tokenizer", "train", "--model", model, "--vocab-size", "300", "--lowercase",
                           "/usr/share/common-licenses/GPL-3", "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["model"]["vocab"]) == 300
    tok = E.load_tokenizer_json(str(out))
    ids, tokens, _ = tok.encode("The GNU General Public License", False)
    assert ids and len(tokens) == len(ids)
    if model == "bpe":
        words = E.count_words([open("/usr/share/common-licenses/GPL-3", encoding="utf-8").read().lower()])
        assert [m.split(" ") for m in doc["model"]["merges"]] == [list(m) for m in E.train_bpe(words, 300, 2, "</w>", ["<unk>"])[1]]
    if model == "wordpiece":
        assert tok.encode("license")[1][0] == "[CLS]"


@pytest.mark.skipif(not EMBED or not os.path.exists("/usr/share/common-licenses/GPL-3"), reason="needs EMBED_BIN and GPL-3")
@pytest.mark.parametrize("args", [["--model", "char"], ["--model", "bpe", "--byte-level"]])
def test_character_and_byte_level_tokenizers_round_trip(args, tmp_path):
    import json
    import embedcpp as E
    out = tmp_path / "tok.json"
    proc = subprocess.run([EMBED, "tokenizer", "train", *args, "--vocab-size", "400",
                           "/usr/share/common-licenses/GPL-3", "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    tok = E.load_tokenizer_json(str(out))
    if "char" in args:
        # One token per character; spaces are U+2581 (SentencePiece's convention); unseen characters are <unk>.
        assert doc["pre_tokenizer"]["type"] == "Metaspace" and doc["model"]["merges"] == []
        ids, tokens, _ = tok.encode("Free  software", False)
        assert tokens == ["\u2581", "F", "r", "e", "e", "\u2581", "\u2581", "s", "o", "f", "t", "w", "a", "r", "e"]
        assert tok.decode(ids) == "Free  software"
        assert tok.encode("\u65e5", False)[1] == ["\u2581", "<unk>"]
    else:
        # Every byte has a symbol, so any UTF-8 text comes back exactly.
        assert doc["pre_tokenizer"]["type"] == "ByteLevel" and len(doc["model"]["vocab"]) == 400
        text = "Free software \u65e5\u672c\u8a9e caf\u00e9 \U0001F600 <|endoftext|>"
        ids, tokens, _ = tok.encode(text, False)
        assert "<|endoftext|>" in tokens and len(ids) < len(text.encode())
        assert tok.decode(ids, False) == text


@pytest.mark.skipif(not EMBED, reason="EMBED_BIN not set (ctest sets it)")
def test_tfidf_fit_transform_search(tmp_path):
    import json

    import numpy as np
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from test_tfidf import TRAIN

    docs = [" ".join(d.split()) for d in TRAIN]  # one document per line
    (tmp_path / "docs.txt").write_text("\n".join(docs) + "\n", encoding="utf-8")
    (tmp_path / "stop.txt").write_text("the\nof\nand\n", encoding="utf-8")
    model, matrix = tmp_path / "m.json", tmp_path / "x.npz"
    subprocess.run([EMBED, "tfidf", "fit", str(tmp_path / "docs.txt"), "-o", str(model), "--matrix", str(matrix),
                    "--ngram-max", "2", "--min-df", "2", "--max-df", "0.5", "--tf", "log", "--stop-words",
                    str(tmp_path / "stop.txt"), "--max-features", "3000"], check=True, capture_output=True)
    ref = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.5, sublinear_tf=True,
                          stop_words=["the", "of", "and"], max_features=3000)
    expected = ref.fit_transform(docs)
    assert json.loads(model.read_text())["vocabulary"] == sorted(ref.vocabulary_, key=ref.vocabulary_.get)
    np.testing.assert_allclose(sp.load_npz(str(matrix)).toarray(), expected.toarray(), rtol=1e-9, atol=1e-12)
    out = subprocess.run([EMBED, "tfidf", "transform", str(model), str(tmp_path / "docs.txt"), "-o",
                          str(tmp_path / "d.npy")], check=True, capture_output=True)
    np.testing.assert_allclose(np.load(tmp_path / "d.npy"), expected.toarray(), rtol=1e-6, atol=1e-7)
    out = subprocess.run([EMBED, "tfidf", "search", str(model), "--docs", str(tmp_path / "docs.txt"), "--json",
                          "-k", "3", "free software", "zzzz"], check=True, capture_output=True, text=True)
    first, second = [json.loads(line) for line in out.stdout.splitlines()]
    assert first["query"] == "free software" and len(first["hits"]) == 3
    assert "free" in first["hits"][0]["text"].lower() and second["hits"] == []
    bad = subprocess.run([EMBED, "tfidf", "fit", str(tmp_path / "docs.txt"), "--min-df", "lots"],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "--min-df" in bad.stderr


@pytest.mark.skipif(not EMBED, reason="EMBED_BIN not set (ctest sets it)")
def test_word_vectors_train_and_query(tmp_path):
    import re

    from conftest import write_licence_corpus

    corpus = write_licence_corpus(tmp_path / "corpus.txt")
    run = lambda *args: subprocess.run([EMBED, "--threads", "2", *args], capture_output=True, text=True)  # noqa: E731

    r = run("word2vec", "train", str(corpus), "--dim", "20", "--epochs", "2", "--max-n", "5", "--buckets", "50000",
            "-o", str(tmp_path / "w.vec"), "--model", str(tmp_path / "w.bin"))
    assert r.returncode == 0, r.stderr
    r = run("vectors", "similar", str(tmp_path / "w.bin"), "relicensable", "-k", "3")  # unseen: from its n-grams
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 3, r.stderr
    r = run("vectors", "similar", str(tmp_path / "w.vec"), "software", "-k", "3")
    assert r.returncode == 0 and "software" not in r.stdout

    r = run("glove", "train", str(corpus), "--dim", "20", "--epochs", "5", "--x-max", "10", "-o",
            str(tmp_path / "g.bin"))
    assert r.returncode == 0, r.stderr
    losses = [float(m) for m in re.findall(r"epoch \d+: loss ([0-9.]+)", r.stderr)]
    assert len(losses) == 5 and all(b < a for a, b in zip(losses, losses[1:])), r.stderr
    r = run("vectors", "similar", str(tmp_path / "g.bin"), "license", "-k", "2")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 2

    (tmp_path / "bad.txt").write_bytes(b"good words \xff\xfe here\n" * 20)
    r = run("glove", "train", str(tmp_path / "bad.txt"), "--min-count", "1", "-o", str(tmp_path / "bad.bin"))
    assert r.returncode == 1 and "invalid UTF-8" in r.stderr and not (tmp_path / "bad.bin").exists()
    r = run("word2vec", "train", str(tmp_path / "bad.txt"), "--min-count", "1", "--replace-invalid-utf8", "-o",
            str(tmp_path / "ok.vec"))
    assert r.returncode == 0, r.stderr
    assert "\ufffd" in (tmp_path / "ok.vec").read_text()


@pytest.mark.skipif(not EMBED, reason="EMBED_BIN not set (ctest sets it)")
def test_inspect_index_files(tmp_path):
    import numpy as np

    import embedcpp as E

    index = E.hnsw_index(6, "l2")
    index.add(np.random.default_rng(0).standard_normal((50, 6)).astype(np.float32))
    index.save(str(tmp_path / "a.idx"))
    out = subprocess.run([EMBED, "inspect", str(tmp_path / "a.idx")], capture_output=True, text=True)
    assert out.returncode == 0 and "hnsw index, metric l2, 50 vectors of dimension 6" in out.stdout
    raw = bytearray((tmp_path / "a.idx").read_bytes())
    raw[100] ^= 1
    (tmp_path / "b.idx").write_bytes(bytes(raw))
    out = subprocess.run([EMBED, "inspect", str(tmp_path / "b.idx")], capture_output=True, text=True)
    assert out.returncode == 1 and "checksum mismatch" in out.stderr
