/**
 * The pipeline: clean → extract → normalize → parse → compare, with outcomes as data. Parsed gold
 * answers are cached (a benchmark grades many outputs per gold), and cheap checks run before the CAS:
 * identical normalized strings, then the own parser and exact arithmetic; the CAS only reads what the
 * parser cannot and settles what float64 cannot.
 */
import { nodeKey, type Node } from "./ast.ts";
import { casBridge, type CasBridge } from "./cas.ts";
import { cleanOutput } from "./clean.ts";
import { compareAnswers } from "./compare.ts";
import { GradeTimeout, type ExpressionContext, type Verdict } from "./expressions.ts";
import { extractAnswer, type Extraction } from "./extract.ts";
import { normalizeAnswer } from "./normalize.ts";
import { parseAnswer, readChoice, type ParseResult } from "./parse.ts";
import { DEFAULT_TIME_BUDGET_MS, type GradeOptions, type GradeResult, type GradeStatus, type Grader } from "./types.ts";

interface GoldEntry {
  normalized: string;
  parsed: ParseResult;
  /** Parsed without digit groups, when the text has `1,000`-like groups (it may be a list). */
  ungrouped: ParseResult | undefined;
  choice: string | undefined;
}

interface Judgement {
  status: GradeStatus;
  reason: string;
}

const GOLD_CACHE_SIZE = 20_000;
const DIGIT_GROUP = /\d,\d{3}(?!\d)/;

export function createGrader(options: GradeOptions = {}): Grader {
  const budget = options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
  const useCas = options.cas ?? true;
  let cas: CasBridge | undefined;
  const getCas = (): CasBridge | undefined => {
    if (!useCas) return undefined;
    cas ??= casBridge();
    return cas;
  };
  const golds = new Map<string, GoldEntry>();

  const goldEntry = (gold: string): GoldEntry => {
    let entry = golds.get(gold);
    if (!entry) {
      if (golds.size >= GOLD_CACHE_SIZE) golds.clear();
      const normalized = normalizeAnswer(cleanOutput(gold));
      entry = {
        normalized,
        parsed: parseWithCas(normalized, getCas, true),
        ungrouped: DIGIT_GROUP.test(normalized) ? parseAnswer(normalized, { digitGroups: false }) : undefined,
        choice: readChoice(normalized) ?? (/^[A-E]$/.test(normalized) ? normalized : undefined),
      };
      golds.set(gold, entry);
    }
    return entry;
  };

  const judge = (gold: string, predicted: string, deadline: number): Judgement => {
    const entry = goldEntry(gold);
    let normalized = normalizeAnswer(predicted);
    if (normalized === "") return { status: "no_answer", reason: "the stated answer is empty" };
    if (normalized === entry.normalized) return { status: "correct", reason: "identical after normalization" };
    if (entry.choice) {
      // "(C)", "(C) 12", "C", "C." — but not "C + D", which is an expression in C.
      const match = /^(?:\(([A-E])\)|([A-E])(?=$|[.:)]|\s+[^-+*/^=<>\s]))/.exec(normalized.replace(/^\\text\{\s*/, ""));
      const letter = match?.[1] ?? match?.[2];
      if (letter) {
        return letter === entry.choice
          ? { status: "correct", reason: `choice (${letter})` }
          : { status: "wrong", reason: `choice (${letter}) instead of (${entry.choice})` };
      }
    }
    // "(C) 7" when the gold is the value 7: the choice label is decoration (AMC-style outputs).
    if (!entry.choice) normalized = normalized.replace(/^(?:\\text\{\s*)?\(([A-E])\)\s*\}?\s*(?=\S)/, "");
    if (!entry.parsed.ok) return { status: "unparsable", reason: `gold answer unreadable: ${entry.parsed.reason}` };
    const predictedParse = parseWithCas(normalized, getCas, Date.now() < deadline);
    if (!predictedParse.ok) return { status: "unparsable", reason: `answer unreadable: ${predictedParse.reason}` };
    const context: ExpressionContext = { deadline, cas: getCas() };
    let verdict = compareAnswers(entry.parsed.node, predictedParse.node, context);
    if (!verdict.equal && (entry.ungrouped || DIGIT_GROUP.test(normalized))) {
      verdict = retryWithoutDigitGroups(entry, normalized, context) ?? verdict;
    }
    return fromVerdict(verdict);
  };

  const guarded = (work: () => Judgement): Judgement => {
    try {
      return work();
    } catch (error) {
      if (error instanceof GradeTimeout) return { status: "timeout", reason: `over the ${budget} ms budget` };
      // Stack overflow on hostile nesting, BigInt limits inside the CAS: the answer is not gradable.
      if (error instanceof RangeError) return { status: "unparsable", reason: `beyond grading limits: ${error.message}` };
      throw error;
    }
  };

  return {
    grade(gold: string, output: string): GradeResult {
      const deadline = Date.now() + budget;
      if (output.trim() === "") return result("no_answer", "empty output", undefined);
      const entry = goldEntry(gold);
      const extraction = extractAnswer(cleanOutput(output), {
        choices: entry.choice !== undefined,
        lastNumber: options.lastNumberFallback ?? true,
      });
      if (!extraction) return result("no_answer", "no answer marker and no number in the output", undefined);
      const judgement = guarded(() => judge(gold, extraction.answer, deadline));
      const reason = extraction.fallback ? `${extraction.method} fallback; ${judgement.reason}` : judgement.reason;
      return result(judgement.status, reason, extraction);
    },
    isEquivalent(gold: string, predicted: string): boolean {
      return guarded(() => judge(gold, cleanOutput(predicted), Date.now() + budget)).status === "correct";
    },
  };
}

function retryWithoutDigitGroups(entry: GoldEntry, normalized: string, context: ExpressionContext): Verdict | undefined {
  const golds = [entry.parsed, entry.ungrouped].filter((parse): parse is { ok: true; node: Node } => parse?.ok === true);
  const predicted = [parseAnswer(normalized), parseAnswer(normalized, { digitGroups: false })].filter(
    (parse): parse is { ok: true; node: Node } => parse.ok,
  );
  for (const gold of golds) {
    for (const candidate of predicted) {
      if (gold === entry.parsed && nodeKey(candidate.node) === nodeKey(predicted[0]!.node)) continue; // already tried
      const verdict = compareAnswers(gold.node, candidate.node, context);
      if (verdict.equal) return { equal: true, reason: `${verdict.reason} (commas read as separators)` };
    }
  }
  return undefined;
}

function parseWithCas(normalized: string, getCas: () => CasBridge | undefined, allowCas: boolean): ParseResult {
  const parsed = parseAnswer(normalized);
  // The CAS reads notation we do not model; it cannot repair malformed input, so it is not asked to.
  if (parsed.ok || !parsed.unsupported || !allowCas) return parsed;
  const cas = getCas();
  const node = cas?.parse(normalized);
  return node ? { ok: true, node } : parsed;
}

function fromVerdict(verdict: Verdict): Judgement {
  if (verdict.equal === true) return { status: "correct", reason: verdict.reason };
  if (verdict.equal === false) return { status: "wrong", reason: verdict.reason };
  return { status: "unparsable", reason: verdict.reason };
}

function result(status: GradeStatus, reason: string, extraction: Extraction | undefined): GradeResult {
  return {
    status,
    correct: status === "correct",
    extracted: extraction?.answer ?? null,
    method: extraction?.method ?? null,
    fallback: extraction?.fallback ?? false,
    reason,
  };
}

let defaultGrader: Grader | undefined;

/** Grades one output with the default options (a process-wide grader and its gold cache). */
export function gradeOutput(gold: string, output: string): GradeResult {
  defaultGrader ??= createGrader();
  return defaultGrader.grade(gold, output);
}

/**
 * Whether `predicted` (an extracted answer) is equivalent to `gold`. Asymmetric: see Grader.isEquivalent.
 */
export function isEquivalent(gold: string, predicted: string): boolean {
  defaultGrader ??= createGrader();
  return defaultGrader.isEquivalent(gold, predicted);
}
