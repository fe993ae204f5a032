"""Pretrain a llama-style decoder from scratch on a dataset mounted from the hub.

    incubator job submit --template pretrain --set data=datasets/lab/corpus --set model.layers=4

Outside Incubator: python3 pretrain.py --params params.json (mounts under ./mounts, checkpoints in ./checkpoints).
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from incubator_toolkit.model import LlamaConfig, LlamaForCausalLM  # noqa: E402
from incubator_toolkit.platform import Job  # noqa: E402
from incubator_toolkit.tokenizer import END_OF_TEXT, Tokenizer  # noqa: E402
from incubator_toolkit.trainer import export, train  # noqa: E402



def main():
    job = Job()
    params = job.params
    if not params["data"]:
        raise SystemExit("set data to the dataset to train on, e.g. --set data=datasets/lab/corpus")
    torch.manual_seed(int(params["seed"]))
    documents, data_commit = job.read_text(params["data"])
    tokenizer_commit = None
    if params["tokenizer"]:
        folder, tokenizer_commit = job.mount(params["tokenizer"])
        tokenizer = Tokenizer.load(folder)
    else:
        tokenizer = Tokenizer()
    text = END_OF_TEXT.join(documents)
    tokens = torch.tensor(tokenizer.encode(text), dtype=torch.long)
    bytes_per_token = len(text.encode("utf-8")) / max(1, len(tokens))
    held_out = max(int(len(tokens) * float(params["validation_fraction"])), int(params["sequence_length"]) + 2)
    train_tokens, validation_tokens = tokens[:-held_out], tokens[-held_out:]
    hidden = int(params["model.hidden_size"])
    config = LlamaConfig(vocab_size=tokenizer.vocab_size, hidden_size=hidden,
                         intermediate_size=int(params["model.intermediate_size"]) or _swiglu_width(hidden),
                         num_hidden_layers=int(params["model.layers"]), num_attention_heads=int(params["model.heads"]),
                         num_key_value_heads=int(params["model.kv_heads"]),
                         max_position_embeddings=max(256, int(params["sequence_length"])),
                         bos_token_id=tokenizer.end_of_text, eos_token_id=tokenizer.end_of_text)
    model = LlamaForCausalLM(config)
    job.log_params({**params, "parameters": model.parameter_count(), "corpus_tokens": len(tokens),
                    "vocab_size": tokenizer.vocab_size})
    print(f"{model.parameter_count():,} parameters, {len(tokens):,} tokens ({bytes_per_token:.2f} bytes per token)",
          flush=True)
    final = train(job, model, train_tokens, validation_tokens, params, bytes_per_token)
    export(job.export_dir(), model, tokenizer, {
        "template": "pretrain", "params": params, "final": final, "parameters": model.parameter_count(),
        "datasets": {params["data"].split("@", 1)[0]: data_commit},
        "tokenizer": {params["tokenizer"].split("@", 1)[0]: tokenizer_commit} if params["tokenizer"] else None})
    print(f"model written to {job.export_dir()}", flush=True)


def _swiglu_width(hidden):
    """LLaMA's feed-forward width: 2/3 of 4 x hidden, rounded up to a multiple of 16."""
    return (int(8 * hidden / 3) + 15) // 16 * 16


if __name__ == "__main__":
    main()
