"""safetensors and .npy against PyTorch/NumPy, and hostile files.

The `safetensors` Python package is not in Debian, so the PyTorch side uses
the small writer/reader below, written from the format description: an
8-byte little-endian header length, a JSON header, raw little-endian data."""
import json
import struct

import numpy as np
import pytest
import torch

import embedcpp as E

TORCH_NAMES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
               torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
               torch.bool: "BOOL"}


def torch_save_safetensors(path, tensors, metadata=None):
    header, blobs, at = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        t = t.contiguous()
        raw = t.view(torch.uint8).numpy().tobytes() if t.dtype in (torch.bfloat16,) else t.numpy().tobytes()
        header[name] = {"dtype": TORCH_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def torch_load_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    kinds = {"F32": np.float32, "I64": np.int64, "I32": np.int32, "U8": np.uint8}
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(body[b:end], kinds[e["dtype"]]).reshape(e["shape"]).copy())
    return out, header.get("__metadata__", {})


def test_torch_to_ours(tmp_path):
    g = torch.Generator().manual_seed(0)
    ref = {"w": torch.randn(3, 4, generator=g), "half": torch.randn(5, generator=g).half(),
           "bf": torch.randn(2, 3, generator=g).bfloat16(), "f64": torch.randn(4, generator=g).double(),
           "ids": torch.arange(6).reshape(2, 3), "i32": torch.arange(4, dtype=torch.int32),
           "i8": torch.tensor([-3, 7], dtype=torch.int8), "mask": torch.tensor([True, False]),
           "empty": torch.zeros(0, 3), "scalar": torch.tensor(2.5)}
    path = tmp_path / "m.safetensors"
    torch_save_safetensors(path, ref, {"format": "pt"})
    tensors, meta = E.load_safetensors(str(path))
    assert meta == {"format": "pt"}
    assert set(tensors) == set(ref)
    for name, t in ref.items():
        expect = t.float().numpy() if t.is_floating_point() else t.numpy()
        got = tensors[name].numpy()
        assert got.shape == expect.shape, name
        np.testing.assert_array_equal(got, expect.astype(got.dtype), err_msg=name)


def test_ours_to_torch(tmp_path, rng=np.random.default_rng(0)):
    ours = {"a": E.Tensor(rng.standard_normal((4, 3)).astype(np.float32)),
            "b": E.Tensor(np.arange(5, dtype=np.int64)), "c": E.Tensor(np.arange(3, dtype=np.uint8))}
    path = tmp_path / "o.safetensors"
    E.save_safetensors(str(path), ours, {"k": "v"})
    data = open(path, "rb").read()
    assert struct.unpack("<Q", data[:8])[0] % 8 == 0
    loaded, meta = torch_load_safetensors(path)
    assert meta == {"k": "v"}
    for name, t in ours.items():
        np.testing.assert_array_equal(loaded[name].numpy(), t.numpy())


def write_raw(path, header_obj=None, body=b"", header_bytes=None, length=None):
    text = header_bytes if header_bytes is not None else json.dumps(header_obj).encode()
    n = len(text) if length is None else length
    path.write_bytes(struct.pack("<Q", n) + text + body)


BAD = {
    "truncated": lambda p: p.write_bytes(b"\x01\x02"),
    "header beyond file": lambda p: write_raw(p, {}, length=1000),
    "huge header": lambda p: write_raw(p, {}, length=1 << 40),
    "not json": lambda p: write_raw(p, header_bytes=b"{nope"),
    "bad utf8": lambda p: write_raw(p, header_bytes=b'{"\xff\xfe": 1}'),
    "offsets out of range": lambda p: write_raw(p, {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}},
                                                 b"\0" * 4),
    "byte count mismatch": lambda p: write_raw(p, {"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}},
                                                b"\0" * 8),
    "overlap": lambda p: write_raw(p, {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                       "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12),
    "absurd dims": lambda p: write_raw(p, {"a": {"dtype": "F32", "shape": [1 << 40, 1 << 40],
                                                 "data_offsets": [0, 0]}}),
    "negative offset": lambda p: write_raw(p, {"a": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}),
    "gap": lambda p: write_raw(p, {"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_safetensors(case, tmp_path):
    path = tmp_path / "bad.safetensors"
    BAD[case](path)
    with pytest.raises(ValueError, match="bad.safetensors"):
        E.load_safetensors(str(path))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64, np.uint8])
@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 0, 3)])
def test_npy_roundtrip(dtype, shape, tmp_path):
    a = (np.arange(int(np.prod(shape))) * 3 % 11).reshape(shape).astype(dtype)
    path = tmp_path / "a.npy"
    np.save(path, a)
    t = E.load_npy(str(path))
    np.testing.assert_array_equal(t.numpy(), a.astype(np.float32 if dtype == np.float64 else dtype))
    out = tmp_path / "b.npy"
    E.save_npy(str(out), t)
    np.testing.assert_array_equal(np.load(out), t.numpy())


def test_npy_v2_and_fortran(tmp_path):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    path = tmp_path / "v2.npy"
    with open(path, "wb") as f:
        np.lib.format.write_array(f, a, version=(2, 0))
    np.testing.assert_array_equal(E.load_npy(str(path)).numpy(), a)
    np.save(tmp_path / "f.npy", np.asfortranarray(a))
    with pytest.raises(NotImplementedError, match="Fortran"):
        E.load_npy(str(tmp_path / "f.npy"))


@pytest.mark.parametrize("data", [b"", b"\x93NUMPY", b"\x93NUMPY\x01\x00\xff\xff{",
                                  b"\x93NUMPY\x01\x00\x40\x00{'descr': '<f4', 'fortran_order': False, 'shape': (99,), }"
                                  + b" " * 5 + b"\n", b"GIF89a........"])
def test_bad_npy(data, tmp_path):
    path = tmp_path / "bad.npy"
    path.write_bytes(data)
    with pytest.raises(ValueError, match="bad.npy"):
        E.load_npy(str(path))


def test_failed_write_keeps_old_file(tmp_path):
    path = tmp_path / "keep.npy"
    E.save_npy(str(path), E.Tensor(np.ones(3, np.float32)))
    before = path.read_bytes()
    with pytest.raises(OSError):
        E.save_npy(str(tmp_path / "missing-dir" / "x.npy"), E.Tensor(np.ones(3, np.float32)))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.npy"], "no temporary file left behind"
