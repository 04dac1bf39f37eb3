/**
 * The last `\boxed{...}` (or `\fbox{...}`) in a reference solution: how MATH and Minerva give their gold
 * answer. Braces are matched by depth, so `\boxed{\frac{1}{2}}` yields `\frac{1}{2}`; the brace-less
 * `\boxed 5` form of the original MATH release yields `5`.
 *
 * This reads trusted reference solutions. Model outputs go through the grader's own extraction
 * (src/grade/), which also handles "The answer is", `####` and the other forms models write.
 */

const BOX_COMMANDS = ["\\boxed", "\\fbox"];

/** Content of the last box in `text`, or undefined when there is none or its braces never close. */
export function lastBoxed(text: string): string | undefined {
  const start = lastBoxStart(text);
  if (start === undefined) return undefined;
  return boxContent(text, start.afterCommand);
}

function lastBoxStart(text: string): { afterCommand: number } | undefined {
  let best: { afterCommand: number; at: number } | undefined;
  for (const command of BOX_COMMANDS) {
    let at = text.lastIndexOf(command);
    // Skip longer commands sharing the prefix (e.g. a hypothetical `\boxedx`): the next char must not be a letter.
    while (at !== -1 && /[A-Za-z]/.test(text.charAt(at + command.length))) {
      at = at === 0 ? -1 : text.lastIndexOf(command, at - 1);
    }
    if (at !== -1 && (best === undefined || at > best.at)) best = { at, afterCommand: at + command.length };
  }
  return best;
}

function boxContent(text: string, afterCommand: number): string | undefined {
  let index = afterCommand;
  while (index < text.length && (text[index] === " " || text[index] === "\t")) index++;
  if (text[index] !== "{") {
    // `\boxed 5`: the argument runs to the next `$` or end of line (as the MATH release writes it).
    if (index === afterCommand) return undefined;
    const match = /^[^$\n]+/.exec(text.slice(index));
    const content = match?.[0].trim();
    return content ? content : undefined;
  }
  let depth = 0;
  for (let position = index; position < text.length; position++) {
    const char = text[position];
    if (char === "\\") {
      position++; // an escaped brace `\{` or `\}` does not change depth
    } else if (char === "{") {
      depth++;
    } else if (char === "}") {
      depth--;
      if (depth === 0) return text.slice(index + 1, position);
    }
  }
  return undefined;
}
