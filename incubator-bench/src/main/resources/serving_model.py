"""ServingBench's checkpoint: a random llama of the toolkit (hidden 256, 4 layers, 3M parameters with a trained
byte-level BPE of 512 tokens), written in Hugging Face's files.

    python3 serving_model.py TOOLKITS_DIR OUT_DIR
"""
import os
import sys

import torch

sys.path.insert(0, sys.argv[1])
from incubator_toolkit.model import LlamaConfig, LlamaForCausalLM  # noqa: E402
from incubator_toolkit.tokenizer import Tokenizer  # noqa: E402
from incubator_toolkit.trainer import export  # noqa: E402

torch.manual_seed(5)
sample = ["三加四等于七。Three plus four is seven.", "星期一之后是星期二。After Monday comes Tuesday.",
          "The cat sits on the mat. 猫坐在垫子上。"] * 30
tokenizer = Tokenizer.train(sample, 512)
config = LlamaConfig(vocab_size=tokenizer.vocab_size, hidden_size=256, intermediate_size=688, num_hidden_layers=4,
                     num_attention_heads=8, num_key_value_heads=2, max_position_embeddings=512, rope_theta=10000.0,
                     tie_word_embeddings=False, bos_token_id=256, eos_token_id=256)
model = LlamaForCausalLM(config)
model.eval()
os.makedirs(sys.argv[2], exist_ok=True)
export(sys.argv[2], model, tokenizer, {"template": "serving-bench"})
print(model.parameter_count())
