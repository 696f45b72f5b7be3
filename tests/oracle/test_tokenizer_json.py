"""tokenizer.json loading: files laid out as Hugging Face writes them for
bert-base-uncased and gpt2 (built here from the published vocabularies in
tests/data/tokenizers) give the Hugging Face ids on the 46 test vectors;
special tokens in raw text, templates, truncation and padding come from the
file; unsupported components and malformed files give clear errors."""
import json
import os

import pytest

import embedcpp as E

DATA = os.path.join(os.path.dirname(__file__), "..", "data", "tokenizers")


def vectors(name):
    with open(os.path.join(DATA, "hf-test-vectors", name + ".inp"), encoding="utf-8") as f:
        inputs = f.read().split("\n__ggml_vocab_test__\n")
    with open(os.path.join(DATA, "hf-test-vectors", name + ".out"), encoding="utf-8") as f:
        outputs = [[int(t) for t in line.split()] for line in f.read().split("\n")]
    if inputs[-1].endswith("\n__ggml_vocab_test__"):
        inputs[-1] = inputs[-1][: -len("\n__ggml_vocab_test__")]
    return list(zip(inputs, outputs))


def bert_json(**overrides):
    with open(os.path.join(DATA, "bert-base-uncased", "vocab.txt"), encoding="utf-8") as f:
        vocab = {t: i for i, t in enumerate(f.read().splitlines())}
    special = {t: {"id": t, "ids": [vocab[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")}
    doc = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True}
                         for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                                    {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 1}},
                                    {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                           "special_tokens": special},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }
    doc.update(overrides)
    return doc


def gpt2_json(merges_as_pairs=False):
    with open(os.path.join(DATA, "gpt2", "encoder.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(DATA, "gpt2", "vocab.bpe"), encoding="utf-8") as f:
        merges = [m for m in f.read().split("\n")[1:] if m]
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": 50256, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
                  "merges": [m.split(" ") for m in merges] if merges_as_pairs else merges},
    }


def load(doc):
    return E.parse_tokenizer_json(json.dumps(doc))


def test_bert_tokenizer_json_matches_hf_vectors():
    tok = load(bert_json())
    for text, ids in vectors("bert-base-uncased"):
        assert tok.encode(text, False)[0] == ids, text
    ids, _, _ = tok.encode("hello [SEP] world [MASK]")  # special tokens in raw text keep their ids
    assert ids == [101, 7592, 102, 2088, 103, 102]
    ids, types, _ = tok.encode_pair("hello", "world")
    assert ids == [101, 7592, 102, 2088, 102] and types == [0, 0, 0, 1, 1]


@pytest.mark.parametrize("pairs", [False, True])
def test_gpt2_tokenizer_json_matches_hf_vectors(pairs):
    tok = load(gpt2_json(pairs))
    for text, ids in vectors("gpt2"):
        assert tok.encode(text, False)[0] == ids, text
    assert tok.encode("hi<|endoftext|>")[0] == [5303, 50256]


def test_truncation_and_padding_from_the_file():
    tok = load(bert_json(truncation={"direction": "Right", "max_length": 4, "strategy": "LongestFirst", "stride": 0},
                         padding={"strategy": {"Fixed": 6}, "direction": "Right", "pad_to_multiple_of": None,
                                  "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"}))
    # One token of budget beside 3 special tokens, two sequences of equal
    # length: HF's rule gives the first budget // 2 = 0 and the second 1.
    ids, _, mask = tok.encode_pair("a b c", "d e f")
    assert ids == [101, 102, 1040, 102, 0, 0] and mask == [1, 1, 1, 1, 0, 0]
    assert tok.encode("a b c")[0] == [101, 1037, 1038, 102, 0, 0]  # 4 - 2 special tokens leave "a b"


@pytest.mark.parametrize("change,message", [
    ({"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Isolated"}},
     "pre_tokenizer type 'Split'"),
    ({"pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Digits"}, {"type": "Metaspace"}]}},
     "only the first step may"),
    ({"normalizer": {"type": "Precompiled"}}, "normalizer type 'Precompiled'"),
    ({"model": {"type": "Unigram", "vocab": []}}, "model type 'Unigram'"),
    ({"post_processor": {"type": "Fancy"}}, "post_processor type 'Fancy'"),
])
def test_unsupported_components_are_named(change, message):
    with pytest.raises(NotImplementedError, match=message):
        load(bert_json(**change))


def test_malformed_files_are_rejected():
    with pytest.raises(ValueError, match="no 'model'"):
        E.parse_tokenizer_json("{}")
    with pytest.raises(ValueError):
        E.parse_tokenizer_json("{\"model\": ")
    doc = bert_json()
    doc["model"]["vocab"] = {"a": 0, "b": 0}
    with pytest.raises(ValueError, match="without repeats"):
        load(doc)
    doc = gpt2_json()
    doc["model"]["merges"] = ["Ġ"]
    with pytest.raises(ValueError, match="not two tokens"):
        load(doc)


@pytest.mark.parametrize("make,name", [(bert_json, "bert-base-uncased"), (gpt2_json, "gpt2")])
def test_save_and_reload_round_trip(make, name, tmp_path):
    doc = make()
    tok = load(doc)
    path = str(tmp_path / "saved.json")
    E.save_tokenizer_json(tok, path)
    with open(path, encoding="utf-8") as f:
        saved = json.load(f)
    # The parts that decide the ids are written as Hugging Face writes them.
    assert saved["model"]["vocab"] == doc["model"]["vocab"]
    assert saved["model"]["type"] == doc["model"]["type"]
    if "merges" in doc["model"]:
        assert saved["model"]["merges"] == doc["model"]["merges"]
    assert saved["normalizer"] == doc["normalizer"]
    assert saved["pre_tokenizer"] == doc["pre_tokenizer"]
    assert [t["content"] for t in saved["added_tokens"]] == sorted(
        [t["content"] for t in doc["added_tokens"]], key=lambda c: doc["model"]["vocab"][c])
    again = E.load_tokenizer_json(path)
    for text, ids in vectors(name):
        assert again.encode(text, False)[0] == ids
        assert again.encode(text)[0] == tok.encode(text)[0]


def test_byte_level_offset_trimming_from_the_file():
    # RoBERTa's post-processor trims offsets by default (trim_offsets true):
    # "Hello  world" is Hello (0, 5), Ġ (5, 6), Ġworld (6, 12) untrimmed; a
    # token's leading and trailing Ġ leave its offsets, as Hugging Face does.
    doc = gpt2_json()
    assert load(doc).encode("Hello  world", False)[2] == [(0, 5), (5, 6), (6, 12)]
    doc["post_processor"] = {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                             "add_prefix_space": False}
    tok = load(doc)
    ids, tokens, offsets = tok.encode("Hello  world")
    assert ids == [0, 15496, 220, 995, 2] and offsets == [(0, 0), (0, 5), (6, 6), (7, 12), (0, 0)]
    saved = json.loads(E.tokenizer_to_json(tok))
    assert saved["post_processor"]["type"] == "Sequence"  # ByteLevel (trimming), then the template
    assert load(saved).encode("Hello  world") == (ids, tokens, offsets)
    doc["post_processor"]["trim_offsets"] = False
    assert load(doc).encode("Hello  world")[2] == [(0, 0), (0, 5), (5, 6), (6, 12), (0, 0)]
