"""Incubator's training toolkit: a llama-style decoder, the Hugging Face file formats and the job contract.

Small and readable on purpose: the templates (pretrain, finetune, tokenizer) are a few screens each on top of it.
Needs only PyTorch (Debian's python3-torch) and NumPy; nothing is downloaded.
"""
