"""`embed serve` over HTTP on loopback (issue 3):

- /v1/embeddings gives the vectors `embed text encode` gives, as floats and
  as base64; /v1/search gives what `embed search --json` gives.
- Acceptance: the official OpenAI Node client (npm `openai`, pinned in
  tests/server/package-lock.json, installed by scripts/install-deps.sh)
  gets vectors identical to `embed text encode`.
- Limits, API key and unknown routes answer in OpenAI's error shape.
- SIGTERM lets the requests in flight finish (all answered) and exits 0.
- Acceptance: 64 concurrent clients for 60 s (EMBED_LOAD_SECONDS) from
  this second process: no errors, the server's memory stays bounded, and
  /metrics shows requests merged into shared encoder calls.
"""
import base64
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time

import numpy as np
import pytest

from conftest import licence_paragraphs, write_jsonl

EMBED = os.environ.get("EMBED_BIN", "embed")
NODE_DIR = os.path.join(os.path.dirname(__file__), "..", "server")
KEY = "sk-test-123"


@pytest.fixture(scope="module")
def docs():
    return licence_paragraphs()


@pytest.fixture(scope="module")
def collection(licence_model, docs, tmp_path_factory):
    coll = str(tmp_path_factory.mktemp("serve") / "licences")
    r = subprocess.run([EMBED, "index", "build", "--model", licence_model, "--input",
                        write_jsonl(os.path.join(os.path.dirname(coll), "d.jsonl"), docs), "-o", coll],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return coll


class Server:
    def __init__(self, source, *args):
        self.proc = subprocess.Popen([EMBED, "serve", source, "--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on http://([\d.]+):(\d+) \(model '([^']+)'", line)
        assert m, line + self.proc.stderr.read()
        self.host, self.port, self.model = m.group(1), int(m.group(2)), m.group(3)

    def request(self, method, path, body=None, key=KEY, raw=None):
        c = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        c.request(method, path, body=data, headers=headers)
        r = c.getresponse()
        text = r.read().decode()
        c.close()
        return r.status, (json.loads(text) if r.getheader("Content-Type", "").startswith("application/json") else text)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=60)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code


@pytest.fixture(scope="module")
def server(collection):
    s = Server(collection, "--api-key", KEY, "--max-body-bytes", "200000", "--max-inputs", "64",
               "--max-tokens-per-input", "2000")
    yield s
    assert s.stop() == 0


def text_encode(source, texts):
    r = subprocess.run([EMBED, "text", "encode", source], input="\n".join(texts) + "\n", capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    return np.array([json.loads(line)["embedding"] for line in r.stdout.splitlines()], dtype=np.float32)


QUERIES = ["the software is provided as is", "Permission is hereby granted, free of charge", "warranty", "naïve zqxj"]


def test_embeddings_equal_text_encode(server, collection):
    expected = text_encode(collection, QUERIES)
    status, body = server.request("POST", "/v1/embeddings", {"model": server.model, "input": QUERIES})
    assert status == 200, body
    assert body["object"] == "list" and body["model"] == server.model
    assert [d["index"] for d in body["data"]] == list(range(len(QUERIES)))
    assert body["usage"]["prompt_tokens"] == body["usage"]["total_tokens"] == 6 + 7 + 1 + 2
    np.testing.assert_array_equal(np.array([d["embedding"] for d in body["data"]], dtype=np.float32), expected)
    status, body = server.request("POST", "/v1/embeddings",
                                  {"model": server.model, "input": QUERIES[0], "encoding_format": "base64"})
    assert status == 200
    np.testing.assert_array_equal(np.frombuffer(base64.b64decode(body["data"][0]["embedding"]), "<f4"), expected[0])
    status, body = server.request("POST", "/v1/embeddings", {"model": server.model, "input": QUERIES, "dimensions": 8})
    short = np.array([d["embedding"] for d in body["data"]])
    want = expected[:, :8] / np.linalg.norm(expected[:, :8], axis=1, keepdims=True)
    np.testing.assert_allclose(short, want, rtol=1e-6, atol=1e-7)


def test_search_equals_the_cli(server, collection):
    status, body = server.request("POST", "/v1/search", {"query": QUERIES[:2], "k": 5, "mode": "hybrid"})
    assert status == 200, body
    r = subprocess.run([EMBED, "search", collection, *QUERIES[:2], "-k", "5", "--mode", "hybrid", "--json"],
                       capture_output=True, text=True)
    cli = [json.loads(line) for line in r.stdout.splitlines()]
    for ours, theirs in zip(body["data"], cli):
        assert [h["id"] for h in ours["hits"]] == [h["id"] for h in theirs["hits"]]
        np.testing.assert_allclose([h["score"] for h in ours["hits"]], [h["score"] for h in theirs["hits"]])
    # The sparse scorer and --explain, as the CLI has them.
    status, body = server.request("POST", "/v1/search",
                                  {"query": QUERIES[0], "k": 3, "mode": "sparse", "sparse": "tfidf", "explain": True})
    assert status == 200 and body["sparse"] == "tfidf", body
    r = subprocess.run([EMBED, "search", collection, QUERIES[0], "-k", "3", "--mode", "sparse", "--sparse", "tfidf",
                        "--explain", "--json"], capture_output=True, text=True)
    assert body["data"][0]["hits"] == json.loads(r.stdout)["hits"]
    assert all(h["matched_terms"] for h in body["data"][0]["hits"])


NODE_SCRIPT = r"""
const OpenAI = require('openai');
const [port, model, key] = process.argv.slice(1);  // node -e SCRIPT port model key
const client = new OpenAI({apiKey: key, baseURL: `http://127.0.0.1:${port}/v1`});
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
(async () => {
  const plain = await client.embeddings.create({model, input});  // the client asks for base64 and decodes it
  const floats = await client.embeddings.create({model, input, encoding_format: 'float'});
  const one = await client.embeddings.create({model, input: input[0]});
  let rejected = null;
  try { await new OpenAI({apiKey: 'wrong', baseURL: client.baseURL}).embeddings.create({model, input}); }
  catch (e) { rejected = {status: e.status, code: e.code}; }
  console.log(JSON.stringify({plain: plain.data.map(d => Array.from(d.embedding)),
                              floats: floats.data.map(d => d.embedding), one: Array.from(one.data[0].embedding),
                              usage: plain.usage, rejected}));
})().catch(e => { console.error(e); process.exit(1); });
"""


def test_official_openai_node_client_gets_text_encode_vectors(server, collection, tmp_path):
    if not shutil.which("node"):
        pytest.skip("node is not installed")
    if not os.path.exists(os.path.join(NODE_DIR, "node_modules", "openai", "package.json")):
        pytest.skip("npm package openai not installed (scripts/install-deps.sh runs npm ci in tests/server)")
    r = subprocess.run(["node", "-e", NODE_SCRIPT, str(server.port), server.model, KEY], input=json.dumps(QUERIES),
                       capture_output=True, text=True, cwd=NODE_DIR, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    expected = text_encode(collection, QUERIES)
    np.testing.assert_array_equal(np.array(out["plain"], dtype=np.float32), expected)
    np.testing.assert_array_equal(np.array(out["floats"], dtype=np.float32), expected)
    np.testing.assert_array_equal(np.array(out["one"], dtype=np.float32), expected[0])
    assert out["usage"] == {"prompt_tokens": 16, "total_tokens": 16}
    assert out["rejected"] == {"status": 401, "code": "invalid_api_key"}


def test_errors_have_openai_shape(server):
    def error(status_body, status):
        got, body = status_body
        assert got == status, body
        assert set(body["error"]) == {"message", "type", "param", "code"}
        return body["error"]

    m = server.model
    assert error(server.request("POST", "/v1/embeddings", {"model": m, "input": "x"}, key=None), 401)["code"] == \
        "invalid_api_key"
    assert error(server.request("POST", "/v1/embeddings", {"model": "gpt-4", "input": "x"}), 404)["code"] == \
        "model_not_found"
    assert error(server.request("POST", "/v1/embeddings", {"model": m, "input": ["x"] * 65}), 400)["param"] == "input"
    assert error(server.request("POST", "/v1/embeddings", {"model": m, "input": "word " * 2001}), 400)["param"] == \
        "input"
    assert error(server.request("POST", "/v1/embeddings", raw="x" * 300000), 413)["code"] == "request_too_large"
    error(server.request("POST", "/v1/embeddings", raw="{not json"), 400)
    error(server.request("POST", "/v1/embeddings", {"model": m, "input": [[10 ** 9]]}), 400)
    for wrong_types in [{"model": m, "input": 123}, {"model": 7, "input": "x"}, {"model": m, "input": [1.5]},
                        {"model": m, "input": "x", "encoding_format": 5}, {"model": m, "input": "x", "dimensions": "8"},
                        {"model": m, "input": [["a"]]}, {"model": m, "input": None}]:
        error(server.request("POST", "/v1/embeddings", wrong_types), 400)
    error(server.request("POST", "/v1/embeddings", {"model": m, "input": ["ok", ""]}), 400)  # empty input
    error(server.request("POST", "/v1/search", {"query": "x", "k": 0}), 400)
    error(server.request("POST", "/v1/search", {"query": 5}), 400)
    error(server.request("POST", "/v1/search", {"query": "x", "sparse": "okapi"}), 400)
    error(server.request("POST", "/v1/search", {"query": "x", "explain": "yes"}), 400)
    error(server.request("GET", "/v2/nothing"), 404)
    # ... and the server keeps serving.
    assert server.request("GET", "/health", key=None) == (200, {"status": "ok", "model": m})
    assert server.request("POST", "/v1/embeddings", {"model": m, "input": "still here"})[0] == 200
    status, models = server.request("GET", "/v1/models")
    assert status == 200 and models["data"][0]["id"] == m
    status, text = server.request("GET", "/metrics", key=None)
    assert status == 200 and 'embed_requests_total{route="/v1/embeddings",code="401"}' in text


def test_sigterm_answers_the_requests_in_flight(collection, docs):
    s = Server(collection)
    # 16 requests of 1024 long texts (about 6 MB each): seconds of encoding in all.
    paragraphs = [d["text"] for d in docs]
    big = [" ".join(paragraphs[(i + j) % len(paragraphs)] for j in range(8))[:6000] for i in range(1024)]
    results = []

    def client():
        try:
            results.append(s.request("POST", "/v1/embeddings", {"model": s.model, "input": big}, key=None)[0])
        except Exception as e:  # noqa: BLE001 - any failure is the test's finding
            results.append(repr(e))

    threads = [threading.Thread(target=client) for _ in range(16)]
    for t in threads:
        t.start()
    # Signal once every request has reached the server and some are still being handled.
    deadline, in_flight = time.monotonic() + 60, 0
    while time.monotonic() < deadline:
        text = s.request("GET", "/metrics", key=None)[1]
        in_flight = int(re.search(r"embed_in_flight_requests (\d+)", text).group(1))
        done = re.search(r'embed_requests_total\{route="/v1/embeddings",code="200"\} (\d+)', text)
        if in_flight + (int(done.group(1)) if done else 0) == 16:
            break
        time.sleep(0.005)
    assert in_flight > 0, "every request finished before the signal: make them bigger"
    assert s.stop() == 0
    for t in threads:
        t.join()
    assert results == [200] * 16


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))


def test_load_64_clients(collection, docs):
    """Acceptance: 64 concurrent clients for 60 s: no errors, bounded memory, batching in /metrics."""
    seconds = float(os.environ.get("EMBED_LOAD_SECONDS", "60"))
    s = Server(collection)
    texts = [d["text"][:400] for d in docs]
    stop = time.monotonic() + seconds
    counts, errors, lock = [0] * 64, [], threading.Lock()

    def client(i):
        conn = http.client.HTTPConnection(s.host, s.port, timeout=60)  # keep-alive
        n = 0
        while time.monotonic() < stop:
            body = json.dumps({"model": s.model, "input": texts[(i * 7919 + n) % len(texts)]})
            try:
                conn.request("POST", "/v1/embeddings", body=body, headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                data = json.loads(r.read())
                if r.status != 200 or len(data["data"][0]["embedding"]) != 24:
                    with lock:
                        errors.append((r.status, data))
            except Exception as e:  # noqa: BLE001
                with lock:
                    errors.append(repr(e))
                conn.close()
                conn = http.client.HTTPConnection(s.host, s.port, timeout=60)
            n += 1
        counts[i] = n
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    samples = []
    while any(t.is_alive() for t in threads):
        samples.append(rss_kb(s.proc.pid))
        time.sleep(1)
    for t in threads:
        t.join()
    metrics = s.request("GET", "/metrics", key=None)[1]
    assert s.stop() == 0
    total = sum(counts)
    print(f"{total} requests in {seconds:.0f} s ({total / seconds:.0f}/s), RSS {samples[0] // 1024}.."
          f"{max(samples) // 1024} MB")
    assert errors == [], errors[:5]
    assert min(counts) > 0
    # Bounded memory: after the first third, the resident size grows by less than 64 MB.
    settled = samples[len(samples) // 3:]
    assert max(settled) - settled[0] < 64 * 1024, samples
    ok = int(re.search(r'embed_requests_total\{route="/v1/embeddings",code="200"\} (\d+)', metrics).group(1))
    assert ok == total
    batches = int(re.search(r"embed_batch_requests_count (\d+)", metrics).group(1))
    single = int(re.search(r'embed_batch_requests_bucket\{le="1"\} (\d+)', metrics).group(1))
    assert batches < total and single < batches, metrics  # many encoder calls served several requests
