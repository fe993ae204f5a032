"""Train a byte-level BPE tokenizer on a mounted dataset; writes tokenizer.json and tokenizer_config.json in
Hugging Face's format (publish it, then pretrain with --set tokenizer=models/ORG/NAME).

    incubator job submit --template tokenizer --set data=datasets/lab/corpus --set vocab_size=1024
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from incubator_toolkit.platform import Job, write_json  # noqa: E402
from incubator_toolkit.tokenizer import Tokenizer  # noqa: E402



def main():
    job = Job()
    params = job.params
    if not params["data"]:
        raise SystemExit("set data to the dataset to learn from, e.g. --set data=datasets/lab/corpus")
    vocab_size = int(params["vocab_size"])
    if not 257 <= vocab_size <= 65536:
        raise SystemExit(f"vocab_size must be 257-65536, not {vocab_size}")
    documents, data_commit = job.read_text(params["data"])
    job.log_params(params)
    started = time.perf_counter()
    tokenizer = Tokenizer.train(documents, vocab_size, int(params["min_frequency"]),
                                progress=lambda merges: job.log(merges, merges=merges))
    text_bytes = sum(len(document.encode("utf-8")) for document in documents)
    tokens = sum(len(tokenizer.encode(document)) for document in documents)
    job.log(len(tokenizer.merges), vocab_size=tokenizer.vocab_size, bytes_per_token=text_bytes / max(1, tokens),
            seconds=time.perf_counter() - started)
    directory = job.export_dir()
    tokenizer.save(directory, int(params["max_length"]))
    write_json(os.path.join(directory, "training.json"), {
        "template": "tokenizer", "params": params, "vocab_size": tokenizer.vocab_size,
        "bytes_per_token": text_bytes / max(1, tokens), "datasets": {params["data"].split("@", 1)[0]: data_commit}})
    print(f"{tokenizer.vocab_size} tokens, {text_bytes / max(1, tokens):.2f} bytes per token; written to {directory}",
          flush=True)


if __name__ == "__main__":
    main()
