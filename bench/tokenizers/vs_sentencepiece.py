"""BPE training time and encoding throughput: `embed tokenizer` against
sentencepiece's command-line tools (Debian `sentencepiece`, BPE mode) on
the same corpus and vocabulary size, in the same run. Prints times, MB/s
and the ratios (sentencepiece time / ours: above 1 means we are faster).

Corpus: the text8 prefix in ../shared/data/corpora when present, else the
licence texts of /usr/share/common-licenses (smaller), cut into lines of
100 words (sentencepiece skips lines longer than 4192 bytes)."""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EMBED = os.environ.get("EMBED_BIN", os.path.join(ROOT, "build", "embed"))
VOCAB = int(os.environ.get("BENCH_VOCAB", "8000"))


def corpus_words():
    text8 = os.path.join(ROOT, "..", "shared", "data", "corpora", "text8_prefix.txt")
    if os.path.exists(text8):
        with open(text8, encoding="utf-8") as f:
            return "text8 prefix", f.read().split()
    words = []
    for path in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                words += f.read().split()
    return "Debian licence texts", words


REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))


def timed(cmd, stdin_path=None, **kw):
    """Best wall time of REPEATS runs (this VM's timings drift by +-30%)."""
    best = float("inf")
    for _ in range(REPEATS):
        with open(stdin_path, "rb") if stdin_path else open(os.devnull, "rb") as src:
            start = time.perf_counter()
            subprocess.run(cmd, check=True, stdin=src, **kw)
            best = min(best, time.perf_counter() - start)
    return best


def main():
    if not shutil.which("spm_train"):
        sys.exit("spm_train not found: apt-get install sentencepiece (scripts/install-deps.sh does)")
    name, words = corpus_words()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w", encoding="utf-8") as f:
            for i in range(0, len(words), 100):
                f.write(" ".join(words[i:i + 100]) + "\n")
        mb = os.path.getsize(corpus) / 1e6
        print(f"corpus: {name}, {len(words)} words, {mb:.1f} MB; BPE vocabulary {VOCAB}; best of {REPEATS}")
        for threads in (1, 2):
            spm_train = timed(["spm_train", f"--input={corpus}", f"--model_prefix={tmp}/spm", f"--vocab_size={VOCAB}",
                               "--model_type=bpe", "--character_coverage=1.0", f"--num_threads={threads}",
                               "--minloglevel=2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            ours_train = timed([EMBED, "--threads", str(threads), "tokenizer", "train", "--model", "bpe",
                                "--vocab-size", str(VOCAB), corpus, "-o", f"{tmp}/tok.json"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            print(f"threads={threads} train: sentencepiece {spm_train:.2f} s, ours {ours_train:.2f} s, "
                  f"ratio {spm_train / ours_train:.2f}")
        spm_enc = timed(["spm_encode", f"--model={tmp}/spm.model", "--output_format=id"], stdin_path=corpus,
                        stdout=subprocess.DEVNULL)
        # spm_encode has no thread option: its one-thread time is the reference for both of ours.
        for threads in (1, 2):
            ours_enc = timed([EMBED, "--threads", str(threads), "tokenizer", "encode", f"{tmp}/tok.json",
                              "--no-special-tokens", "--ids"], stdin_path=corpus, stdout=subprocess.DEVNULL)
            print(f"encode (threads={threads}, whole corpus): sentencepiece {mb / spm_enc:.1f} MB/s, "
                  f"ours {mb / ours_enc:.1f} MB/s, ratio {spm_enc / ours_enc:.2f}")


if __name__ == "__main__":
    main()
