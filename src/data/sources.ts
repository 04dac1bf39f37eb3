/**
 * Every benchmark file qreason knows, pinned: where it lives under the data directory, its size and
 * sha256, and the public URL it is downloaded from. Mirrors /work/shared/data/PROVENANCE.md (a test
 * checks that the two agree); URLs name the exact commit, so the bytes behind them cannot change.
 */

export interface DataFile {
  /** Path under the data directory, `/`-separated, same layout as shared/data (e.g. `gsm8k/test.jsonl`). */
  path: string;
  sha256: string;
  bytes: number;
  /** Raw file at a pinned commit. Absent when no single public file exists; `howToGet` says what to do. */
  url?: string;
  howToGet?: string;
}

function github(repo: string, commit: string, path: string): string {
  return `https://raw.githubusercontent.com/${repo}/${commit}/${path}`;
}

const GSM8K = ["openai/grade-school-math", "3101c7d5072418e28b9008a6636bde82a006892c"] as const;
const HARNESS = ["ZubinGou/math-evaluation-harness", "db77bc6bb2a17c90ed2d63e88ebd8c40a82858c5"] as const;
const QWEN_MATH = ["QwenLM/Qwen2.5-Math", "a45202bd16f1ec06f433442dc1152d0074773465"] as const;
const AREAL = ["inclusionAI/AReaL", "f55fe685c661b0117d888fcae47d6f46e9a85087"] as const;
const PROCESSBENCH = ["QwenLM/ProcessBench", "2f2fd8ae590aeb949f7be265478b05280f93db68"] as const;

export const dataFiles = {
  gsm8kTest: {
    path: "gsm8k/test.jsonl",
    sha256: "3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14",
    bytes: 749_738,
    url: github(...GSM8K, "grade_school_math/data/test.jsonl"),
  },
  gsm8kTrain: {
    path: "gsm8k/train.jsonl",
    sha256: "17f347dc51477c50d4efb83959dbb7c56297aba886e5544ee2aaed3024813465",
    bytes: 4_166_206,
    url: github(...GSM8K, "grade_school_math/data/train.jsonl"),
  },
  gsm8kTestSocratic: {
    path: "gsm8k/test_socratic.jsonl",
    sha256: "c96673362fa7a699f4836a9b6474a067448f95fe58064727501ee63ba4c3fdb6",
    bytes: 972_978,
    url: github(...GSM8K, "grade_school_math/data/test_socratic.jsonl"),
  },
  math500Test: {
    path: "math500/test.jsonl",
    sha256: "35dc41080a3680858b27fa7e0533d2d547825316fc5dafe5d316f4ccc5a06132",
    bytes: 446_564,
    url: github(...HARNESS, "data/math_oai/test.jsonl"),
  },
  mathTest: {
    path: "math/test.jsonl",
    sha256: "3371949f33dd702d04b43fddd7d53a028de0aaca0e76abb1b875a050297b3aa4",
    bytes: 4_101_364,
    url: github(...HARNESS, "data/math/test.jsonl"),
  },
  mathTrain: {
    path: "math/MATH_train_raw.tar.gz",
    sha256: "255c7616bb9e76f728a2189b00d2950223c39e0f016f951075a4c6d8e68c2163",
    bytes: 2_050_164,
    // A tarball packed for qreason from 7,500 files; there is no single public file to fetch.
    howToGet:
      "pack the 7,500 MATH train files (train/<subject>/<n>.json, e.g. from " +
      "https://github.com/aiwaves-cn/agents/tree/e8c4e3c2d19739d3dff59e577d1c97090cc15f59/src/agents/datasets/data/math, " +
      "or the train/ folder of the original MATH release) into a gzipped tar with train/ at its root",
  },
  aime24Test: {
    path: "aime24/test.jsonl",
    sha256: "af2b8bd2aa911b6333ad0df32f3ca05c7ae8ed10f1731f4372c8ae26990bf7ac",
    bytes: 156_944,
    url: github(...QWEN_MATH, "evaluation/data/aime24/test.jsonl"),
  },
  aime25Test: {
    path: "aime25/test.jsonl",
    sha256: "b4e273c02d3e7fe1b74b59eae768fc8230bfb0f79539890cb56f4361caac0331",
    bytes: 15_813,
    url: github(...AREAL, "evaluation/data/aime25/test.jsonl"),
  },
  amc23Test: {
    path: "amc23/test.jsonl",
    sha256: "43707e1ca784602d8479de24ee8ce36609dbebc46dd152b0b12a46611aa898a4",
    bytes: 27_631,
    url: github(...QWEN_MATH, "evaluation/data/amc23/test.jsonl"),
  },
  minervaMathTest: {
    path: "minerva_math/test.jsonl",
    sha256: "0e656b430d3a0a1dab6aa853f453ba3805e28e2cabe4fc72486a897cc09d8ba2",
    bytes: 247_267,
    url: github(...QWEN_MATH, "evaluation/data/minerva_math/test.jsonl"),
  },
  olympiadbenchTest: {
    path: "olympiadbench/test.jsonl",
    sha256: "bb8c1e38a16ea9eacb77530315a674d883f267fbff79183effc53681b4fcc416",
    bytes: 1_493_870,
    url: github(...QWEN_MATH, "evaluation/data/olympiadbench/test.jsonl"),
  },
  processbenchGsm8k: {
    path: "processbench/gsm8k.json",
    sha256: "fb1c59dfd1e83e1c5a48dbe598db27e4bc0b8bc524a09445f2d4b69178f61349",
    bytes: 574_343,
    url: github(...PROCESSBENCH, "dataset/gsm8k.json"),
  },
  processbenchMath: {
    path: "processbench/math.json",
    sha256: "520ae64463d6ceb4bf13af31693389a5d5b14934cdad3468193dea4a5ceb0414",
    bytes: 1_938_778,
    url: github(...PROCESSBENCH, "dataset/math.json"),
  },
  processbenchOlympiadbench: {
    path: "processbench/olympiadbench.json",
    sha256: "e9d801c9f3c03f949adbfa08e90cb21ad85c0b9224bc5e98326f8215c218aa55",
    bytes: 2_808_955,
    url: github(...PROCESSBENCH, "dataset/olympiadbench.json"),
  },
  processbenchOmnimath: {
    path: "processbench/omnimath.json",
    sha256: "e8d7cf4512c82168dae2fe48b1718069a3002e7910af1d180a27ee0d9948ba47",
    bytes: 2_842_872,
    url: github(...PROCESSBENCH, "dataset/omnimath.json"),
  },
} satisfies Record<string, DataFile>;
