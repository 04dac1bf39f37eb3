import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isQreasonError } from "../errors.ts";
import { parseTextsJsonl, solutionPrompt } from "./texts.ts";

describe("parseTextsJsonl", () => {
  it("reads whole texts and prompt/continuation pairs, with or without ids", () => {
    const texts = parseTextsJsonl(
      '{"text": "2 + 2 = 4"}\n\n{"id": 7, "prompt": "Q: 2+2?", "continuation": " 4"}\n',
      "texts.jsonl",
    );
    assert.deepEqual(texts, [
      { id: "line-1", text: "2 + 2 = 4" },
      { id: "7", prompt: "Q: 2+2?", continuation: " 4" },
    ]);
  });

  const bad: Array<[string, string, number, string | undefined]> = [
    ["not json", "{oops", 1, undefined],
    ["an array", '["a"]', 1, undefined],
    ["an empty text", '{"text": "ok"}\n{"text": ""}', 2, "text"],
    ["a prompt without continuation", '{"prompt": "Q"}', 1, "continuation"],
    ["neither shape", '{"question": "Q"}', 1, "text"],
  ];
  for (const [label, content, line, field] of bad) {
    it(`rejects ${label} naming file, line and field`, () => {
      assert.throws(
        () => parseTextsJsonl(content, "texts.jsonl"),
        (error) =>
          isQreasonError(error) && error.location.file === "texts.jsonl" && error.location.line === line && error.location.field === field,
      );
    });
  }

  it("rejects a file with no texts", () => {
    assert.throws(() => parseTextsJsonl("\n\n", "empty.jsonl"), /no texts/);
  });
});

describe("solutionPrompt", () => {
  it("is a chat message with a template and plain text without", () => {
    assert.deepEqual(solutionPrompt(" What is 2+2? ", true), [
      { role: "user", content: "What is 2+2?\nPlease reason step by step, and put your final answer within \\boxed{}." },
    ]);
    assert.match(solutionPrompt("What is 2+2?", false) as string, /^Question: What is 2\+2\?\n.*\nAnswer:$/);
  });
});
