/**
 * Regression (issue 12): the engine writes JSON with U+2028 / U+2029 raw inside strings (json.dumps with
 * ensure_ascii=False, which is valid JSON). node:readline ends a line there, so the answer was cut in two,
 * dropped as unreadable, and the request waited for its timeout. The real engine on a tiny model: an error
 * whose field name holds both separators must come back at once, naming that field.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { isQreasonError } from "../../errors.ts";
import { enginePython, projectRoot } from "../../testing/paths.ts";
import { tinyHfModel } from "../../testing/tinyModels.ts";
import { EngineProcess } from "./process.ts";

let engine: EngineProcess;
before(async () => {
  engine = await EngineProcess.start({
    python: enginePython,
    args: ["--model", await tinyHfModel("llama"), "--batch-window-ms", "1"],
    cwd: projectRoot,
    env: { ...process.env, OMP_NUM_THREADS: "1" },
    startupTimeoutMs: 240_000,
  });
});
after(() => engine.close());

test("an engine answer holding raw U+2028 / U+2029 reaches its request", async () => {
  const field = "line\u2028separator\u2029paragraph";
  const started = Date.now();
  await assert.rejects(engine.request("generate", { prompt: "The", [field]: 1 }, { timeoutMs: 60_000 }), (error) => {
    assert.ok(isQreasonError(error), String(error));
    assert.equal(error.code, "E_BACKEND", error.message); // not E_TIMEOUT: the answer arrived
    assert.equal(error.location.field, field);
    assert.match(error.message, /unknown field/);
    return true;
  });
  assert.ok(Date.now() - started < 30_000, `answered after ${Date.now() - started} ms`);
  // The stream is still in step: the next request gets its own answer.
  const info = (await engine.request("info", {}, { timeoutMs: 60_000 })) as { model: { architecture: string } };
  assert.equal(info.model.architecture, "LlamaForCausalLM");
});
