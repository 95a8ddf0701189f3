#!/usr/bin/env python3
"""Python reference for `ticd bench ingest`: the same validation work, done the usual Python way.

For each shard it hashes the file (sha256), then
  jsonl.zst: decompresses with `zstandard`, parses every line with `json.loads`, and extracts the text,
             the time field (timestamp or metadata.WARC-Date) and the month;
  tar:       walks the archive with `tarfile`, groups members by WebDataset key, decodes every image
             with Pillow (`Image.open(...).convert("RGB")`, what a webdataset pipeline does), reads the
             caption and parses the .json member.
Prints one JSON object per line: {"format", "mb_per_s", "samples_per_s", "seconds", "samples"}.
Usage: ingest_reference.py FILE.jsonl.zst FILE.tar
"""
import hashlib
import io
import json
import os
import sys
import tarfile
import time


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def month_of(record):
    stamp = record.get("timestamp") or (record.get("metadata") or {}).get("WARC-Date") or record.get("date")
    if isinstance(stamp, str) and len(stamp) >= 7:
        return stamp[:7]
    return None


def bench_jsonl_zst(path):
    import zstandard

    start = time.perf_counter()
    sha256_file(path)
    samples = 0
    with open(path, "rb") as f:
        reader = zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True)
        for line in io.TextIOWrapper(reader, encoding="utf-8"):
            if not line.strip():
                continue
            record = json.loads(line)
            text = record.get("text")
            if isinstance(text, str) and text and month_of(record):
                hash(text)
                samples += 1
    return time.perf_counter() - start, samples


def bench_tar(path):
    from PIL import Image

    start = time.perf_counter()
    sha256_file(path)
    samples = 0
    groups = {}
    order = []
    with tarfile.open(path, "r:") as tar:
        for member in tar:
            if not member.isfile():
                continue
            base = os.path.basename(member.name)
            key, _, ext = base.partition(".")
            key = os.path.join(os.path.dirname(member.name), key)
            if key not in groups:
                groups[key] = {}
                order.append(key)
            groups[key][ext.lower()] = tar.extractfile(member).read()
            if len(order) > 1:
                samples += handle(groups.pop(order.pop(0)), Image)
    for key in order:
        samples += handle(groups.pop(key), Image)
    return time.perf_counter() - start, samples


def handle(sample, Image):
    image = next((sample[e] for e in ("jpg", "jpeg", "png", "webp") if e in sample), None)
    if image is None:
        return 0
    meta = json.loads(sample["json"]) if "json" in sample else {}
    caption = sample["txt"].decode("utf-8").strip() if "txt" in sample else meta.get("caption", "")
    if not caption or not month_of(meta):
        return 0
    Image.open(io.BytesIO(image)).convert("RGB")
    return 1


def main():
    for path in sys.argv[1:]:
        kind = "tar" if path.endswith(".tar") else "jsonl.zst"
        seconds, samples = (bench_tar if kind == "tar" else bench_jsonl_zst)(path)
        size = os.path.getsize(path)
        print(json.dumps({"format": kind, "mb_per_s": size / seconds / 1e6, "samples_per_s": samples / seconds,
                          "seconds": seconds, "samples": samples}))


if __name__ == "__main__":
    main()
