#!/usr/bin/env python3
"""fastText's supervised mode on the files `ticd bench filter` writes, for its reference column.

Input lines are "__label__pos|__label__neg" then the document's lowercased words joined by spaces (ticd's
tokenization, done by ticd, so both see the same words). Trains with word bigrams hashed into --buckets rows,
--dim, --epochs, --lr (linearly decaying), minCount 1, softmax loss, on --threads threads; then tests on the
held-out file. Prints one JSON line:
{"filter": "text-classifier", "implementation": "fasttext", "docs_per_s": x, "accuracy": x, "seconds": x,
 "threads": n}
with docs_per_s = (training docs x epochs + held-out docs) / (train + test seconds), ticd's definition.

Setup: python3 -m venv ~/.cache/ticd-filter-venv && ~/.cache/ticd-filter-venv/bin/pip install fasttext-wheel
"""
import argparse
import json
import time

import fasttext


def count_lines(path):
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--dim", type=int, default=16)
    parser.add_argument("--buckets", type=int, default=1 << 20)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    train_docs, test_docs = count_lines(args.train), count_lines(args.test)
    start = time.perf_counter()
    model = fasttext.train_supervised(input=args.train, epoch=args.epochs, dim=args.dim, bucket=args.buckets,
                                      lr=args.lr, wordNgrams=2, minCount=1, loss="softmax", thread=args.threads,
                                      seed=0, verbose=0)
    examples, precision_at_1, _ = model.test(args.test)
    seconds = time.perf_counter() - start
    assert examples == test_docs, (examples, test_docs)
    print(json.dumps({"filter": "text-classifier", "implementation": "fasttext",
                      "docs_per_s": (train_docs * args.epochs + test_docs) / seconds,
                      "accuracy": precision_at_1, "seconds": seconds, "threads": args.threads}))


if __name__ == "__main__":
    main()
