/**
 * The pipeline: clean → extract → normalize → parse → compare, with outcomes as data. Parsed gold
 * answers are cached (a benchmark grades many outputs per gold), and cheap checks run before the CAS:
 * identical normalized strings, then the own parser and exact arithmetic; the CAS only reads what the
 * parser cannot and settles what float64 cannot.
 *
 * Every item runs on a work budget (budget.ts) counted where the work happens, so its verdict is the
 * same on any machine; the wall clock is only a last guard. A gold's own parse has a budget of its own,
 * so whether a gold was cached never changes an item's verdict.
 */
import { nodeKey, unwrap, type Node } from "./ast.ts";
import { BudgetExceeded, currentBudget, DEFAULT_WORK_BUDGET, metered, WorkBudget } from "./budget.ts";
import { casBridge, type CasBridge } from "./cas.ts";
import { cleanOutput } from "./clean.ts";
import { compareAnswers, expandPlusMinus } from "./compare.ts";
import type { ExpressionContext, Verdict } from "./expressions.ts";
import { extractAnswer, type Extraction } from "./extract.ts";
import { normalizeAnswer } from "./normalize.ts";
import { parseAnswer, readChoice, type ParseResult } from "./parse.ts";
import {
  DEFAULT_TIME_BUDGET_MS,
  type FinishReason,
  type GradeItem,
  type GradeOptions,
  type GradeResult,
  type GradeStatus,
  type Grader,
} from "./types.ts";

interface GoldEntry {
  normalized: string;
  parsed: ParseResult;
  /** Parsed without digit groups, when the text has `1,000`-like groups (it may be a list). */
  ungrouped: ParseResult | undefined;
  choice: string | undefined;
  /** How many values the gold lists (`5, 15` → 2; `\pm 3` → 2); 1 for a single value. */
  items: number;
  /** The gold is an equation or inequality (`x^2 + y^2 = 13`): a stated relation is kept whole. */
  relation: boolean;
}

interface Judgement {
  status: GradeStatus;
  reason: string;
}

const GOLD_CACHE_SIZE = 20_000;
const DIGIT_GROUP = /\d,\d{3}(?!\d)/;
/** `1,000` read as separators would list `000`: no list has a zero-padded item, so such a gold is a number. */
const ZERO_PADDED_ITEM = /,\s*0\d/;
/** LaTeX nested deeper than this is not handed to the CAS (its parser recurses; stack depth differs by thread). */
const MAX_CAS_NESTING = 40;
const MAX_CAS_LENGTH = 2000;

export function createGrader(options: GradeOptions = {}): Grader {
  const wallMs = options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
  const workLimit = options.workBudget ?? DEFAULT_WORK_BUDGET;
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
      entry = readGold(gold, getCas, workLimit);
      golds.set(gold, entry);
    }
    return entry;
  };

  const judge = (entry: GoldEntry, predicted: string): Judgement => {
    let normalized = normalizeAnswer(predicted);
    if (normalized === "") return { status: "no_answer", reason: "the stated answer is empty" };
    if (normalized === entry.normalized) return { status: "correct", reason: "identical after normalization" };
    if (entry.choice) {
      // "(C)", "(C) 12", "C", "C." — but not "C + D", which is an expression in C.
      const unwrapped = normalized.replace(/^\\text\{\s*/, "");
      // A lowercase label counts only in parentheses (`(a)`); a bare `a` is a variable.
      const match = /^(?:\(([A-Ea-e])\)|([A-E])(?=$|[.:)]|\s+[^-+*/^=<>\s]))/.exec(unwrapped);
      const letter = (match?.[1] ?? match?.[2])?.toUpperCase();
      // "A and B", "(A), (C)", "B or D": a second choice letter after a separator is a hedge, not an answer.
      const rest = match ? unwrapped.slice(match[0].length) : "";
      if (letter && /^[^A-Za-z]*(?:(?:and|or|\\text\{\s*(?:and|or)\s*\})[^A-Za-z]*|[,;&/][^A-Za-z]*)(?:\\text\{\s*)?\(?[A-E]\)?(?![A-Za-z])/.test(rest.replace(/\s+/g, " "))) {
        return { status: "wrong", reason: "several choices where one was expected" };
      }
      if (letter) {
        return letter === entry.choice
          ? { status: "correct", reason: `choice (${letter})` }
          : { status: "wrong", reason: `choice (${letter}) instead of (${entry.choice})` };
      }
    }
    // "(C) 7" when the gold is the value 7: the choice label is decoration (AMC-style outputs).
    if (!entry.choice) normalized = normalized.replace(/^(?:\\text\{\s*)?\(([A-E])\)\s*\}?\s*(?=\S)/, "");
    if (!entry.parsed.ok) return { status: "unparsable", reason: `gold answer unreadable: ${entry.parsed.reason}` };
    const predictedParse = parseWithCas(normalized, getCas);
    if (!predictedParse.ok) return { status: "unparsable", reason: `answer unreadable: ${predictedParse.reason}` };
    const context: ExpressionContext = { cas: getCas() };
    let verdict = compareAnswers(entry.parsed.node, predictedParse.node, context);
    if (!verdict.equal && (entry.ungrouped || DIGIT_GROUP.test(normalized))) {
      verdict = retryWithoutDigitGroups(entry, normalized, context) ?? verdict;
    }
    return fromVerdict(verdict);
  };

  /**
   * Several boxes that state a several-value gold one by one (`\boxed{-2}` … `\boxed{-2}` for `-2, -2`,
   * one box per case): the last boxes, as many as the gold has values, read together. Undefined when that
   * does not apply or does not match.
   */
  const judgeBoxes = (entry: GoldEntry, extraction: Extraction): { judgement: Judgement; answer: string } | undefined => {
    const boxes = extraction.boxes ?? [];
    if (entry.items < 2 || boxes.length < entry.items) return undefined;
    const joined = boxes.slice(-entry.items).join(", ");
    if (joined === extraction.answer) return undefined;
    const again = judge(entry, joined);
    if (again.status !== "correct") return undefined;
    return { judgement: { status: "correct", reason: `the last ${entry.items} boxes together: ${again.reason}` }, answer: joined };
  };

  const run = (work: () => GradeResult, budget: WorkBudget): GradeResult => {
    try {
      const result = metered(budget, work);
      result.work = Math.round(budget.spent);
      return result;
    } catch (error) {
      if (error instanceof BudgetExceeded) {
        return { ...result("timeout", error.message, undefined), guard: error.guard, work: Math.round(budget.spent) };
      }
      // Stack overflow on hostile nesting: the answer is not gradable.
      if (error instanceof RangeError) return { ...result("unparsable", `beyond grading limits: ${error.message}`, undefined), work: Math.round(budget.spent) };
      throw error;
    }
  };

  const grade = (gold: string, output: string, finishReason?: FinishReason): GradeResult => {
    const budget = new WorkBudget(workLimit, wallMs);
    const truncated = finishReason === "length";
    return run(() => {
      budget.checkWall();
      if (output.trim() === "") return result("no_answer", truncated ? "empty output (cut off at the token limit)" : "empty output", undefined);
      const entry = goldEntry(gold);
      const extraction = extractAnswer(cleanOutput(output), {
        choices: entry.choice !== undefined,
        lastNumber: options.lastNumberFallback ?? true,
        truncated,
        relation: entry.relation,
        words: entry.parsed.ok && entry.parsed.node.type === "text",
      });
      if (!extraction) {
        return truncated
          ? result("no_answer", "cut off at the token limit (finish_reason length) before a box or an answer marker", undefined)
          : result("no_answer", "no answer marker and no number in the output", undefined);
      }
      let judgement = guardedJudge(() => judge(entry, extraction.answer));
      let used = extraction;
      if (judgement.status !== "correct" && extraction.method === "boxed" && !extraction.fallback) {
        const together = judgeBoxes(entry, extraction);
        if (together) {
          judgement = together.judgement;
          used = { ...extraction, answer: together.answer };
        }
      }
      const reason = extraction.fallback ? `${extraction.method} fallback; ${judgement.reason}` : judgement.reason;
      return result(judgement.status, reason, used);
    }, budget);
  };

  return {
    grade,
    gradeItem: (item: GradeItem) => grade(item.gold, item.output, item.finishReason),
    isEquivalent(gold: string, predicted: string): boolean {
      const budget = new WorkBudget(workLimit, wallMs);
      return run(() => {
        const judgement = judge(goldEntry(gold), cleanOutput(predicted));
        return result(judgement.status, judgement.reason, undefined);
      }, budget).status === "correct";
    },
  };
}

/** RangeError inside one comparison (BigInt limits, deep recursion) makes that answer unreadable, not the run fail. */
function guardedJudge(work: () => Judgement): Judgement {
  try {
    return work();
  } catch (error) {
    if (error instanceof RangeError) return { status: "unparsable", reason: `beyond grading limits: ${error.message}` };
    throw error;
  }
}

/** Reads a gold answer once, on a budget of its own (the same however many items share the gold). */
function readGold(gold: string, getCas: () => CasBridge | undefined, workLimit: number): GoldEntry {
  const normalized = normalizeAnswer(cleanOutput(gold));
  const choice = readChoice(normalized) ?? (/^[A-E]$/.test(normalized) ? normalized : undefined);
  let parsed: ParseResult;
  let ungrouped: ParseResult | undefined;
  try {
    [parsed, ungrouped] = metered(new WorkBudget(workLimit, Infinity, currentBudget()), () => [
      parseWithCas(normalized, getCas),
      DIGIT_GROUP.test(normalized) && !ZERO_PADDED_ITEM.test(normalized) ? parseAnswer(normalized, { digitGroups: false }) : undefined,
    ]);
  } catch (error) {
    if (!(error instanceof BudgetExceeded) && !(error instanceof RangeError)) throw error;
    parsed = { ok: false, reason: error.message };
  }
  const node = parsed.ok ? unwrap(parsed.node) : undefined;
  return { normalized, parsed, ungrouped, choice, items: node ? itemCount(node) : 1, relation: node?.type === "relation" };
}

/** Values a gold lists: a bare list or set counts its items (each ± twice), a ± alone two; else 1. */
function itemCount(node: Node): number {
  if (node.type === "list" || node.type === "set") {
    return node.items.reduce((sum, item) => sum + expandPlusMinus(item).length, 0);
  }
  return expandPlusMinus(node).length;
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

function parseWithCas(normalized: string, getCas: () => CasBridge | undefined): ParseResult {
  const parsed = parseAnswer(normalized);
  // The CAS reads notation we do not model; it cannot repair malformed input, so it is not asked to.
  if (parsed.ok || !parsed.unsupported) return parsed;
  if (normalized.length > MAX_CAS_LENGTH || nesting(normalized) > MAX_CAS_NESTING) return parsed;
  const cas = getCas();
  const node = cas?.parse(normalized);
  return node ? { ok: true, node } : parsed;
}

/** Deepest brace/parenthesis nesting of a LaTeX string. */
function nesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === "{" || char === "(" || char === "[") deepest = Math.max(deepest, ++depth);
    else if (char === "}" || char === ")" || char === "]") depth--;
  }
  return deepest;
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
export function gradeOutput(gold: string, output: string, finishReason?: FinishReason): GradeResult {
  defaultGrader ??= createGrader();
  return defaultGrader.grade(gold, output, finishReason);
}

/** Grades one item ({ gold, output, finishReason? }) with the default options. */
export function gradeOne(item: GradeItem): GradeResult {
  defaultGrader ??= createGrader();
  return defaultGrader.gradeItem(item);
}

/**
 * Whether `predicted` (an extracted answer) is equivalent to `gold`. Asymmetric: see Grader.isEquivalent.
 */
export function isEquivalent(gold: string, predicted: string): boolean {
  defaultGrader ??= createGrader();
  return defaultGrader.isEquivalent(gold, predicted);
}
