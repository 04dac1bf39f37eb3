/** Judge prompts: ProcessBench's layout, the taxonomy's words, versioned ids. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SUBTYPES } from "../taxonomy/index.ts";
import { JUDGE_SYSTEM, judgeMessages, promptId, renderSteps } from "./prompt.ts";

describe("judge prompts", () => {
  it("lists every category and subtype with its definition, and no_error", () => {
    for (const info of SUBTYPES) {
      assert.ok(JUDGE_SYSTEM.includes(`subtype "${info.subtype}" (${info.label}): ${info.definition}`), info.subtype);
      assert.ok(JUDGE_SYSTEM.includes(`category "${info.category}"`));
    }
    assert.match(JUDGE_SYSTEM, /"no_error"/);
  });

  it("numbers the given steps from 0 in ProcessBench's tagged layout", () => {
    assert.equal(renderSteps(["  a = 1 ", "b"]), "<step_0>\na = 1\n</step_0>\n\n<step_1>\nb\n</step_1>");
    const [system, user] = judgeMessages({ problem: "What is 1 + 1?", steps: ["1 + 1 = 2", "\\boxed{2}"] });
    assert.equal(system?.role, "system");
    assert.match(user?.content ?? "", /split into 2 steps enclosed in tags and indexed from 0[\s\S]*\[Math Problem\]\n\nWhat is 1 \+ 1\?[\s\S]*<step_1>\n\\boxed\{2\}\n<\/step_1>/);
    assert.throws(() => judgeMessages({ problem: "p", steps: [] }), RangeError);
  });

  it("records a version name and a hash of the template's text", () => {
    assert.match(promptId("judge-v1"), /^judge-v1:[0-9a-f]{12}$/);
    assert.notEqual(promptId("judge-v1").split(":")[1], promptId("judge-pair-v1").split(":")[1]);
    assert.throws(() => promptId("judge-v0"), /unknown judge prompt version/);
  });
});
