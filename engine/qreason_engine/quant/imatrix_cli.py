"""`qreason-engine imatrix --model DIR --calibration FILE --out FILE.imatrix`: an importance matrix for
llama.cpp's IQ types, computed from calibration text with the engine (see quant/imatrix.py).

Prints one JSON line (out, entries, model identity, calibration: path, hashes, windows, seq_len, seed);
progress goes to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .cli import positive_int


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "imatrix", help="compute a llama.cpp importance matrix (for IQ2_XS, IQ3_XXS, IQ4_XS) from calibration text",
        description="Run a Hugging Face model over calibration text and write the mean squared input activation "
                    "of every decoder weight's columns in llama.cpp's imatrix format, named as `qreason gguf "
                    "export` names the tensors. Use it with `qreason quantize --imatrix FILE`.")
    parser.add_argument("--model", required=True, help="model directory (Hugging Face layout) the GGUF was exported from")
    parser.add_argument("--calibration", required=True, help="calibration text: JSONL (one text field per line) or plain text")
    parser.add_argument("--format", default=None, choices=("jsonl", "text"),
                        help="calibration file format (default: jsonl for .jsonl files, else text)")
    parser.add_argument("--text-field", default="text", help="JSONL field holding the text (default text)")
    parser.add_argument("--samples", type=positive_int, default=128, help="calibration windows (default 128)")
    parser.add_argument("--seq-len", type=positive_int, default=512, help="tokens per window (default 512, as llama-imatrix)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=positive_int, default=8, help="windows per forward pass (default 8)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    parser.add_argument("--out", required=True, help="imatrix file to write (.imatrix / .dat)")


def run(args) -> int:
    from ..errors import EngineError
    from ..model import load_model
    from .calibration import load_calibration
    from .imatrix import collect_importance, write_legacy_imatrix
    from .recipe import CalibrationSpec

    out = Path(args.out)
    if not out.parent.is_dir():
        raise EngineError("E_NOT_FOUND", "output directory does not exist", file=str(out.parent))
    fmt = args.format or ("jsonl" if args.calibration.endswith(".jsonl") else "text")
    spec = CalibrationSpec(path=args.calibration, format=fmt, text_field=args.text_field,
                           num_samples=args.samples, seq_len=args.seq_len, seed=args.seed)
    loaded = load_model(args.model, dtype="fp32", device=args.device)
    calibration = load_calibration(spec, loaded.tokenizer)

    def progress(done: int, total: int) -> None:
        print(f"imatrix: {done}/{total} windows", file=sys.stderr, flush=True)

    importance = collect_importance(loaded.model, calibration.token_ids, batch_size=args.batch_size, progress=progress)
    write_legacy_imatrix(out, importance, chunks=int(calibration.token_ids.shape[0]), dataset=Path(args.calibration).name)
    print(json.dumps({"out": str(out), "entries": len(importance), "model": loaded.identity,
                      "calibration": calibration.describe(spec)}))
    return 0
