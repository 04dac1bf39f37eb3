"""Training: the reference model from scratch (`reference.py`); LoRA SFT and DPO come later."""
