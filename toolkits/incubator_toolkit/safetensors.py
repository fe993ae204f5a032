"""The safetensors format, written and read directly: an 8-byte little-endian header length, a JSON header naming
each tensor's dtype, shape and byte range, then the raw little-endian tensor bytes (see huggingface/safetensors)."""
import json
import os
import struct

import numpy as np
import torch

_DTYPES = {torch.float32: ("F32", np.float32), torch.float16: ("F16", np.float16), torch.int64: ("I64", np.int64),
           torch.int32: ("I32", np.int32)}
_BY_NAME = {name: (dtype, numpy) for dtype, (name, numpy) in _DTYPES.items()}


def save(tensors, path, metadata=None):
    """Writes {name: tensor} to path atomically (a temporary file renamed over it)."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        tensor = tensors[name].detach().to("cpu").contiguous()
        if tensor.dtype not in _DTYPES:
            raise ValueError(f"{name}: dtype {tensor.dtype} is not supported")
        code, numpy_type = _DTYPES[tensor.dtype]
        data = tensor.numpy().astype(numpy_type, copy=False).astype(np.dtype(numpy_type).newbyteorder("<")).tobytes()
        header[name] = {"dtype": code, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = dict(metadata or {"format": "pt"})
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)  # tensors start 8-byte aligned
    partial = path + ".partial"
    with open(partial, "wb") as out:
        out.write(struct.pack("<Q", len(encoded)))
        out.write(encoded)
        for blob in blobs:
            out.write(blob)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)


def load(path):
    """Reads a safetensors file into {name: tensor} (float32, float16, int32, int64)."""
    with open(path, "rb") as source:
        (length,) = struct.unpack("<Q", source.read(8))
        if length > 100 * 1024 * 1024:
            raise ValueError(f"{path}: header of {length} bytes is implausible")
        header = json.loads(source.read(length))
        body = source.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype, numpy_type = _BY_NAME[entry["dtype"]]
        begin, end = entry["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=np.dtype(numpy_type).newbyteorder("<")).astype(numpy_type)
        tensors[name] = torch.from_numpy(array.reshape(entry["shape"]).copy()).to(dtype)
    return tensors
