/**
 * `qreason judge --judges/--baseline`: seating some of the study's judges, a judges file instead, another
 * baseline; each mistake is a usage error that names what there is to choose from.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isQreasonError } from "../errors.ts";
import { DEFAULT_JUDGE_SAMPLING, type JudgeSpec, type PanelSpec } from "./config.ts";
import { judgeNames, overridePanel } from "./override.ts";
import { panelHash } from "./panelRun.ts";

const member = (name: string): JudgeSpec => ({ name, source: { kind: "llamacpp", gguf: `/models/${name}.gguf` }, structured: true, maxAttempts: 3, sampling: { ...DEFAULT_JUDGE_SAMPLING, seed: 0 } });
const study: PanelSpec = { members: [member("r1"), member("smol"), member("ref")], baseline: "r1", audit: { rate: 0.02, seed: 7 }, verifier: true, concurrency: 2 };
const file: PanelSpec = { members: [member("a"), member("b")], baseline: "b", audit: { rate: 0.1, seed: 1 }, verifier: false, concurrency: 1 };

const usage = (pattern: RegExp) => (error: unknown) => isQreasonError(error) && error.code === "E_USAGE" && pattern.test(error.message);

describe("panel overrides", () => {
  it("without one, the study's panel (or none)", () => {
    assert.equal(overridePanel(study, undefined), study);
    assert.equal(overridePanel(undefined, undefined), undefined);
  });

  it("seats the named judges in the order named, keeping the baseline when it is seated", () => {
    const panel = overridePanel(study, { members: ["smol", "r1"] });
    assert.deepEqual(panel?.members.map((entry) => entry.name), ["smol", "r1"]);
    assert.equal(panel?.baseline, "r1");
    assert.deepEqual([panel?.audit, panel?.verifier, panel?.concurrency], [study.audit, true, 2], "the rest of the study's panel stays");
    assert.notEqual(panelHash(panel as PanelSpec), panelHash(study), "another panel, stored beside the study's");
  });

  it("falls back to the first seated judge when the baseline sits out, or takes the one named", () => {
    assert.equal(overridePanel(study, { members: ["smol", "ref"] })?.baseline, "smol");
    assert.equal(overridePanel(study, { baseline: "ref" })?.baseline, "ref");
    assert.deepEqual(overridePanel(study, { baseline: "ref" })?.members.map((entry) => entry.name), ["r1", "smol", "ref"]);
    assert.equal(overridePanel(study, { members: ["smol", "ref"], baseline: "ref" })?.baseline, "ref");
  });

  it("a judges file replaces the study's panel, and may be narrowed too", () => {
    assert.deepEqual(overridePanel(study, { panel: file }), file);
    assert.equal(overridePanel(undefined, { panel: file })?.baseline, "b", "a study without judges can be judged by a file's panel");
    assert.deepEqual(overridePanel(study, { panel: file, members: ["a"] })?.members.map((entry) => entry.name), ["a"]);
  });

  it("rejects names it does not know, repeats, a baseline off the panel, and choices with nothing to choose from", () => {
    assert.throws(() => overridePanel(study, { members: ["r1", "gpt"] }), usage(/no judge named 'gpt' in the study \(its judges: r1, smol, ref\)/));
    assert.throws(() => overridePanel(study, { members: ["r1", "r1"] }), usage(/names 'r1' twice/));
    assert.throws(() => overridePanel(study, { members: [] }), usage(/names no judge/));
    assert.throws(() => overridePanel(study, { members: ["smol"], baseline: "r1" }), usage(/--baseline 'r1' is not on the panel \(seated: smol\)/));
    assert.throws(() => overridePanel(undefined, { members: ["r1"] }), usage(/declares no judges to choose from: pass a judges file/));
    assert.throws(() => overridePanel(study, { panel: file, members: ["r1"] }), usage(/in the judges file/));
  });

  it("sets the position-bias check's pair count without changing the panel's hash", () => {
    const panel = overridePanel(study, { positionProbes: 3 }) as PanelSpec;
    assert.equal(panel.positionProbes, 3);
    assert.deepEqual(panel.members, study.members);
    assert.equal(panelHash(panel), panelHash(study), "the same panel: its stored decisions are reused");
    assert.equal(overridePanel(study, { members: ["smol"] })?.positionProbes, undefined, "left alone when not given");
    assert.throws(() => overridePanel(undefined, { positionProbes: 3 }), usage(/declares no judges/));
  });

  it("reads comma-separated names", () => {
    assert.deepEqual(judgeNames(" r1, smol ,,ref "), ["r1", "smol", "ref"]);
  });
});
