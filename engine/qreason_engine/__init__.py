"""qreason's Python engine: the tensor work (load, quantize, generate, score, train) and nothing else."""

__version__ = "0.1.0"
