/**
 * The parsed form of an answer: the output of `parseAnswer` and the input of `compareAnswers`.
 * Expressions (number, symbol, add, ...) nest freely; structures (tuple, set, list, interval, relation,
 * matrix) say how several values relate. Keeping structure explicit is what lets `1, -2` compare
 * order-free while `(1, -2)` compares in order.
 */
import type { Rational } from "./rational.ts";

export type RelationOperator = "=" | "<" | "<=" | ">" | ">=" | "!=" | "in" | "approx";

export type Node =
  | NumberNode
  | { type: "symbol"; name: string }
  | { type: "infinity" }
  | { type: "add"; terms: Node[] }
  | { type: "negate"; arg: Node }
  | { type: "multiply"; factors: Node[] }
  | { type: "divide"; numerator: Node; denominator: Node }
  | { type: "power"; base: Node; exponent: Node }
  /** Known functions (sqrt, sin, floor, ...) and uninterpreted ones (`f(x)`, `I(0)`). */
  | { type: "call"; name: string; args: Node[] }
  | { type: "percent"; arg: Node }
  /** `a \pm b` (left present) or `\pm b`; stands for two values. */
  | { type: "plusminus"; left: Node | undefined; right: Node; minusFirst: boolean }
  /** Parentheses or braces around one expression; transparent to evaluation. */
  | { type: "group"; body: Node }
  /** `(a, b)`, `[a, b)`, ...: an ordered tuple, or an interval when two items and the brackets say so. */
  | { type: "tuple"; items: Node[]; open: "(" | "["; close: ")" | "]" }
  | { type: "set"; items: Node[] }
  /** A bare comma list (`1, -2`): several answers, compared order-free. */
  | { type: "list"; items: Node[] }
  | { type: "union"; items: Node[] }
  | { type: "relation"; operands: Node[]; operators: RelationOperator[] }
  | { type: "matrix"; rows: Node[][] }
  | { type: "text"; value: string }
  /** A number written in base 2..36: `52_8`. */
  | { type: "base"; digits: string; base: number; value: Rational }
  | { type: "choice"; letter: string };

export interface NumberNode {
  type: "number";
  value: Rational;
  /** The literal as written, for approximation rules (`0.333` shows 3 decimals). */
  text: string;
  /** Written with a decimal point or exponent (an approximation may be meant). */
  decimal: boolean;
  /** Written with digit-group commas (`1,000`); the reader may have meant a list. */
  grouped: boolean;
}

export function numberNode(value: Rational, text: string, decimal = false, grouped = false): NumberNode {
  return { type: "number", value, text, decimal, grouped };
}

/** Strips groups: `((x))` → `x`. */
export function unwrap(node: Node): Node {
  while (node.type === "group") node = node.body;
  return node;
}

/** A canonical, readable string of a node; equal strings mean equal trees. Used for fast paths and keys. */
export function nodeKey(node: Node): string {
  switch (node.type) {
    case "number":
      return node.value.den === 1n ? node.value.num.toString() : `${node.value.num}/${node.value.den}`;
    case "symbol":
      return node.name;
    case "infinity":
      return "oo";
    case "add":
      return `(${node.terms.map(nodeKey).join("+")})`;
    case "negate":
      return `-(${nodeKey(node.arg)})`;
    case "multiply":
      return `(${node.factors.map(nodeKey).join("*")})`;
    case "divide":
      return `(${nodeKey(node.numerator)})/(${nodeKey(node.denominator)})`;
    case "power":
      return `(${nodeKey(node.base)})^(${nodeKey(node.exponent)})`;
    case "call":
      return `${node.name}(${node.args.map(nodeKey).join(",")})`;
    case "percent":
      return `${nodeKey(node.arg)}%`;
    case "plusminus":
      return `${node.left ? nodeKey(node.left) : ""}${node.minusFirst ? "-+" : "+-"}${nodeKey(node.right)}`;
    case "group":
      return nodeKey(node.body);
    case "tuple":
      return `${node.open}${node.items.map(nodeKey).join(",")}${node.close}`;
    case "set":
      return `{${node.items.map(nodeKey).join(",")}}`;
    case "list":
      return node.items.map(nodeKey).join(",");
    case "union":
      return node.items.map(nodeKey).join(" U ");
    case "relation":
      return node.operands.map((operand, index) => (index ? node.operators[index - 1] : "") + nodeKey(operand)).join("");
    case "matrix":
      return `[${node.rows.map((row) => row.map(nodeKey).join(",")).join(";")}]`;
    case "text":
      return `"${node.value}"`;
    case "base":
      return `${node.digits}_${node.base}`;
    case "choice":
      return `(${node.letter})`;
  }
}

/** The operands of an arithmetic node (sums, products, quotients, negation, percent, powers, calls, groups); none for others. */
export function arithmeticChildren(node: Node): Node[] {
  switch (node.type) {
    case "add":
      return node.terms;
    case "multiply":
      return node.factors;
    case "divide":
      return [node.numerator, node.denominator];
    case "negate":
    case "percent":
      return [node.arg];
    case "power":
      return [node.base, node.exponent];
    case "call":
      return node.args;
    case "group":
      return [node.body];
    default:
      return [];
  }
}
