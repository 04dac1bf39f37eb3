"""Sweep of the decode GEMM kernels against cuBLAS (issue 17): every projection shape of the Llama-3.2-1B
decode step at M = 64 and 256 rows, each timed over 16 layers' weights as one CUDA graph (the way a decode
step runs them; lm_head one weight), printed as us per GEMM and TB/s of weight bytes, fastest first.

    python -m qreason_engine.bench.gemm_sweep --rows 64,256 --json out.json [--limit-s 200]

Candidates: decode_gemm.gemm_stream (small BLOCK_N without split-K, the swapped MMA, float32 atomics
into one buffer with 2/4 splits, TMA descriptors for both tiles) and the split-K kernel of decode_gemm.gemm. Each candidate's output is
checked against F.linear (bf16; relative max error); a wrong one is reported, never ranked."""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time

import torch

from qreason_engine.generate import decode_gemm
from qreason_engine.generate import decode_kernels as dk

SHAPES = {"qkv": (3072, 2048, 16), "o": (2048, 2048, 16), "down": (2048, 8192, 16), "gate_up": (16384, 2048, 16),
          "lm_head": (128256, 2048, 1)}


def candidates(rows: int) -> list[tuple[str, tuple]]:
    found = []
    bms = (64,)
    for bm in bms:
        for bn, bk, stages in itertools.product((16, 32, 64), (128, 256), (3, 5)):
            found.append(("stream", (bm, bn, bk, 1, 4, stages, False, False, False)))
        for bn, bk, stages in itertools.product((64, 128), (128, 256), (3, 5)):
            found.append(("stream", (bm, bn, bk, 1, 4, stages, True, False, False)))
        for bn, splits in itertools.product((32, 64, 128), (2, 4)):
            found.append(("stream", (bm, bn, 128, splits, 4, 4, False, True, False)))
        for bn, splits in itertools.product((64, 128), (2, 4)):
            found.append(("stream", (bm, bn, 128, splits, 4, 4, True, True, False)))
        for bn, bk, stages in itertools.product((16, 32, 64, 128), (128, 256), (3, 4)):
            if (bm + bn) * bk * 2 * stages <= 200 * 1024:  # shared memory of the stages
                found.append(("stream", (bm, bn, bk, 1, 4, stages, False, False, True)))
    if rows > 64:
        for bn, bk, stages in itertools.product((64, 128), (64, 128), (3, 4)):
            found.append(("stream", (128, bn, bk, 1, 8, stages, False, False, False)))
    found += [("splitk", c) for c in ((64 if rows <= 64 else 64, 64, 128, 2, 4, 4), (64, 128, 128, 2, 8, 3))]
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="64,256")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--json")
    parser.add_argument("--only", default="", help="comma-separated: stream, tma, splitk (default all)")
    parser.add_argument("--limit-s", type=float, default=220.0)
    args = parser.parse_args(argv)
    start = time.time()
    device = torch.device("cuda")
    torch.manual_seed(0)
    results = []
    for name in args.shapes.split(","):
        n, k, count = SHAPES[name]
        weights = [torch.randn((n, k), device=device, dtype=torch.bfloat16) * 0.02 for _ in range(count)]
        bytes_ = n * k * 2 * count
        for rows in (int(r) for r in args.rows.split(",")):
            x = torch.randn((rows, k), device=device, dtype=torch.bfloat16)
            ref = torch.nn.functional.linear(x, weights[0]).float()
            scale = ref.abs().max().item()
            rows_out = [("cublas", None, dk._graph_ms(lambda: [torch.nn.functional.linear(x, w) for w in weights]), 0.0)]
            wanted = set(args.only.split(",")) if args.only else None
            for kind, config in candidates(rows):
                label = "tma" if kind == "stream" and config[8] else kind
                if wanted is not None and label not in wanted:
                    continue
                if time.time() - start > args.limit_s:
                    print(f"# time limit: {name} M={rows} stopped at {config}", flush=True)
                    break
                if kind == "stream" and k % (config[3] * config[2]):
                    continue
                if kind == "splitk" and k % (config[3] * config[2]):
                    continue
                run = (lambda c: (lambda w: decode_gemm.gemm_stream(x, w, c)))(config) if kind == "stream" else \
                      (lambda c: (lambda w: decode_gemm.gemm(x, w, c)))(config)
                try:
                    out = run(weights[0])
                    err = (dk.dense(out, torch.float32) if out.dim() == 3 else out.float()).sub(ref).abs().max().item() / scale
                    ms = dk._graph_ms(lambda: [run(w) for w in weights])
                except Exception as error:  # noqa: BLE001 - a config that does not compile: reported
                    print(f"# {name} M={rows} {kind} {config}: {type(error).__name__}: {str(error)[:200]}", flush=True)
                    continue
                rows_out.append((kind, config, ms, err))
            rows_out.sort(key=lambda r: (r[3] > 2e-2, r[2]))
            cublas = next(r for r in rows_out if r[0] == "cublas")
            print(f"\n## {name} [{rows}x{k}]x[{k}x{n}] x{count}: cuBLAS {cublas[2] * 1000 / count:.1f} us "
                  f"({bytes_ / (cublas[2] * 1e-3) / 1e12:.2f} TB/s)  [{time.time() - start:.0f} s]", flush=True)
            for kind, config, ms, err in rows_out[:8]:
                print(f"  {kind:7s} {str(config):42s} {ms * 1000 / count:7.1f} us {bytes_ / (ms * 1e-3) / 1e12:5.2f} TB/s"
                      f"  x{cublas[2] / ms:4.2f} vs cuBLAS  err {err:.1e}", flush=True)
            bad = [r for r in rows_out if r[3] > 2e-2]
            for kind, config, ms, err in bad:
                print(f"  WRONG {kind} {config}: err {err:.2e}", flush=True)
            results += [{"shape": name, "rows": rows, "n": n, "k": k, "layers": count, "kind": kind,
                         "config": config, "us": ms * 1000 / count, "tbps": bytes_ / (ms * 1e-3) / 1e12, "err": err}
                        for kind, config, ms, err in rows_out]
        del weights
        torch.cuda.empty_cache()
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__, "results": results}, handle)
    print(f"# sweep: {time.time() - start:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
