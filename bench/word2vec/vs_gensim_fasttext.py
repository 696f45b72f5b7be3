"""Word2Vec training throughput and quality: `embed word2vec train` against
gensim (Debian python3-gensim, corpus_file mode, its fastest) and fastText
(Debian `fasttext`, built without AVX) on the same corpus and settings:
dim 100, window 5, min_count 5, sample 1e-3, 5 epochs, 1 and 2 threads.
Modes: skipgram and cbow (5 negatives, no subwords: fastText -minn 0 -maxn 0),
skipgram-hs and cbow-hs (hierarchical softmax alone), skipgram-subword
(character 3-6-grams in 2M buckets, fastText's defaults; gensim's FastText).

Ours runs Hogwild (`--hogwild`), as the peers do; on 2+ threads the bench
also runs our default, synchronous rounds that make the vectors
reproducible for a seed and thread count ("embed-det").

Throughput is words per CPU-second (corpus words x epochs / user+sys time of
the training process), so 1- and 2-thread runs compare fairly; quality is
judged by one evaluator (gensim's evaluate_word_analogies and
evaluate_word_pairs) on every tool's vectors. Each tool uses its own default
learning rate (0.025 skip-gram; CBOW 0.05 for word2vec.c-style ours and
fastText, 0.025 for gensim).

Corpus: the text8 prefix (1.17M words, one line cut into 10,000-word lines)
from ../shared/data/corpora, or BENCH_CORPUS (e.g. the >10M-token output of
scripts/prepare-word2vec-corpus.py); evaluation sets from
../shared/data/word-eval. BENCH_THREADS ("1,2") and BENCH_MODES
("skipgram,cbow"; add skipgram-hs, cbow-hs, skipgram-subword) narrow or
widen the runs.
"""
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EMBED = os.environ.get("EMBED_BIN", os.path.join(ROOT, "build", "embed"))
SHARED = os.path.join(ROOT, "..", "shared", "data")
EPOCHS = int(os.environ.get("BENCH_EPOCHS", "5"))
THREADS = [int(t) for t in os.environ.get("BENCH_THREADS", "1,2").split(",")]
MODES = os.environ.get("BENCH_MODES", "skipgram,cbow").split(",")

GENSIM = """
import sys
from gensim.models import FastText, Word2Vec
sg, threads, corpus, out, epochs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
kind, hs = sys.argv[6], int(sys.argv[7])
common = dict(corpus_file=corpus, vector_size=100, window=5, negative=0 if hs else 5, hs=hs, min_count=5,
              sample=1e-3, sg=sg, workers=threads, epochs=epochs, seed=1)
if kind == "subword":
    m = FastText(min_n=3, max_n=6, bucket=2000000, **common)
else:
    m = Word2Vec(**common)
m.wv.save_word2vec_format(out, binary=True)
"""

# mode: (skip-gram?, our extra flags, gensim kind and hs, fastText flags)
MODE_ARGS = {
    "skipgram": (True, [], ("plain", 0), ["-minn", "0", "-maxn", "0"]),
    "cbow": (False, [], ("plain", 0), ["-minn", "0", "-maxn", "0"]),
    "skipgram-hs": (True, ["--hs", "--negative", "0"], ("plain", 1), ["-loss", "hs", "-minn", "0", "-maxn", "0"]),
    "cbow-hs": (False, ["--hs", "--negative", "0"], ("plain", 1), ["-loss", "hs", "-minn", "0", "-maxn", "0"]),
    "skipgram-subword": (True, ["--max-n", "6", "--min-n", "3", "--buckets", "2000000"], ("subword", 0),
                         ["-minn", "3", "-maxn", "6", "-bucket", "2000000"]),
}


def timed(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def quality(path, binary):
    from gensim.models import KeyedVectors
    kv = KeyedVectors.load_word2vec_format(path, binary=binary)
    analogy = kv.evaluate_word_analogies(os.path.join(SHARED, "word-eval", "questions-words.txt"))[0]
    ws = kv.evaluate_word_pairs(os.path.join(SHARED, "word-eval", "wordsim353.tsv"))[1][0]
    return analogy, ws


def main():
    tmp = tempfile.mkdtemp(prefix="w2v-bench-")
    corpus = os.environ.get("BENCH_CORPUS")
    if corpus:
        name = os.path.basename(corpus)
        with open(corpus, encoding="utf-8") as f:
            n_words = sum(len(line.split()) for line in f)
    else:
        text8 = os.path.join(SHARED, "corpora", "text8_prefix.txt")
        if not os.path.exists(text8):
            sys.exit("bench/word2vec needs ../shared/data/corpora/text8_prefix.txt or BENCH_CORPUS")
        words = open(text8, encoding="utf-8").read().split()
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w", encoding="utf-8") as f:
            for i in range(0, len(words), 10000):
                f.write(" ".join(words[i:i + 10000]) + "\n")
        name, n_words = "text8 prefix", len(words)
    n = n_words * EPOCHS
    print(f"corpus: {name}, {n_words} words, {EPOCHS} epochs; words per CPU-second (k), quality")
    print(f"{'mode':9s} {'thr':>3s} {'tool':9s} {'wall s':>7s} {'kw/cpu-s':>9s} {'analogy':>8s} {'ws353':>6s}")
    for mode in MODES:
        sg, ours_flags, (gensim_kind, gensim_hs), fasttext_flags = MODE_ARGS[mode]
        for threads in THREADS:
            rows = {}
            out = os.path.join(tmp, "ours.bin")
            cmd = [EMBED, "--threads", str(threads), "word2vec", "train", corpus, "-o", out, "--epochs", str(EPOCHS)]
            cmd += ours_flags + ([] if sg else ["--cbow"])
            # Hogwild, as the peers train; on 2+ threads also our default
            # synchronous rounds, which give the same vectors for a seed.
            rows["embed"] = timed(cmd + ["--hogwild"]) + quality(out, True)
            if threads > 1:
                rows["embed-det"] = timed(cmd) + quality(out, True)
            out = os.path.join(tmp, "gensim.bin")
            rows["gensim"] = timed([sys.executable, "-c", GENSIM, str(int(sg)), str(threads), corpus, out, str(EPOCHS),
                                    gensim_kind, str(gensim_hs)]) + quality(out, True)
            out = os.path.join(tmp, "ft")
            rows["fastText"] = timed(["fasttext", "skipgram" if sg else "cbow", "-input", corpus, "-output", out,
                                      "-dim", "100", "-ws", "5", "-neg", "5", "-minCount", "5", "-epoch",
                                      str(EPOCHS), "-thread", str(threads), "-t", "1e-3", "-verbose", "0"] +
                                     fasttext_flags) + quality(out + ".vec", False)
            for tool, (wall, cpu, analogy, ws) in rows.items():
                print(f"{mode:9s} {threads:3d} {tool:9s} {wall:7.1f} {n / cpu / 1e3:9.0f} {analogy:8.4f} {ws:6.3f}")
            best_peer = max(n / rows[t][1] for t in ("gensim", "fastText"))
            for tool in ("embed", "embed-det"):
                if tool in rows:
                    print(f"{'':14s}ratio {tool} / fastest peer (words per CPU-s): {n / rows[tool][1] / best_peer:.2f}")


if __name__ == "__main__":
    main()
