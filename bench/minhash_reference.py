#!/usr/bin/env python3
"""datasketch's MinHash + MinHashLSH on the documents `ticd bench filter` wrote, for the MinHash comparison.

Usage: minhash_reference.py DOCS.jsonl PAIRS_OUT NUM_PERM THRESHOLD NGRAM [SCHEME]

SCHEME is datasketch's permutation scheme: "legacy" (the default here; (a·h + b) mod 2^61 − 1 over SHA-1's first
32 bits, kept to 32 bits: the universal hashing ticd implements) or "affine32"/"affine64" (datasketch 2.0's
default is affine32).

DOCS.jsonl holds one {"text": ...} per line. Documents are tokenized as ticd's WordShingles does (runs of ASCII
letters/digits and non-ASCII bytes, ASCII-lowercased; shingles of NGRAM words joined by a space, one shingle of
all words for shorter texts). For each document in order, MinHashLSH.query gives the earlier candidates, then
the document is inserted. Each candidate pair "earlier later" goes to PAIRS_OUT; stdout gets one JSON line.
"""
import json
import re
import sys
import time

from datasketch import MinHash, MinHashLSH

WORD = re.compile(rb"[A-Za-z0-9\x80-\xff]+")


def shingles(text, n):
    words = WORD.findall(text.encode("utf-8").lower())
    if not words:
        return []
    if len(words) < n:
        return [b" ".join(words)]
    return [b" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]


def main():
    docs_path, pairs_path, num_perm, threshold, ngram = sys.argv[1:6]
    num_perm, threshold, ngram = int(num_perm), float(threshold), int(ngram)
    scheme = sys.argv[6] if len(sys.argv) > 6 else "legacy"
    with open(docs_path, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]

    start = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    # Drawing the permutations once and sharing them is datasketch's documented fast path for many MinHashes.
    permutations = MinHash(num_perm=num_perm, seed=1, scheme=scheme).permutations
    pairs = []
    for i, text in enumerate(texts):
        m = MinHash(num_perm=num_perm, seed=1, permutations=permutations, scheme=scheme)
        m.update_batch(shingles(text, ngram))
        for j in lsh.query(m):
            pairs.append((j, i))
        lsh.insert(i, m)
    seconds = time.perf_counter() - start

    with open(pairs_path, "w") as f:
        for j, i in pairs:
            f.write(f"{j} {i}\n")
    print(json.dumps({"filter": "minhash", "implementation": "datasketch", "docs_per_s": len(texts) / seconds,
                      "seconds": seconds, "docs": len(texts), "pairs": len(pairs),
                      "bands": lsh.b, "rows": lsh.r, "threads": 1, "scheme": scheme}))


if __name__ == "__main__":
    main()
