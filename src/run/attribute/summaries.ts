/**
 * Per-variant KLD summaries (llama.cpp's figures: mean KL, percentiles, same top-1 %), streamed through
 * src/kld's accumulator from the packed positions of every attributed pair of the current versions, in
 * each direction. Recomputed whole when the attribute stage finishes, so a resumed stage counts every pair
 * once, whichever run attributed it.
 */
import { decodePositions } from "../../attribute/index.ts";
import { KldAccumulator } from "../../kld/index.ts";
import type { RunStore } from "../../store/index.ts";
import type { AttributeVersion } from "../attributeVersion.ts";

export function updateKldSummaries(store: RunStore, studyHash: string, version: AttributeVersion, settingsHash: string): number {
  const groups = new Map<string, { identity: { model: string; benchmark: string; baseline: string; variant: string }; forward: KldAccumulator; reverse: KldAccumulator }>();
  for (const attribution of store.attribution.list(studyHash, version.segmenter, version.verifier, settingsHash)) {
    const name = [attribution.model, attribution.benchmark, attribution.baseline, attribution.variant].join("\0");
    let group = groups.get(name);
    if (group === undefined) {
      group = { identity: { model: attribution.model, benchmark: attribution.benchmark, baseline: attribution.baseline, variant: attribution.variant }, forward: new KldAccumulator(), reverse: new KldAccumulator() };
      groups.set(name, group);
    }
    for (const divergence of attribution.divergences) {
      const accumulator = group[divergence.direction];
      accumulator.addText();
      for (const position of decodePositions(divergence.positions)) {
        accumulator.add({
          kld: position.kl, sameTop: position.sameTop, baseMargin: position.fpMargin, variantMargin: position.variantMargin,
          baseTargetProbability: position.fpProbability, variantTargetProbability: position.variantProbability,
        });
      }
    }
  }
  store.transaction(() => {
    for (const group of groups.values()) {
      for (const direction of ["forward", "reverse"] as const) {
        const summary = group[direction].summary();
        store.attribution.putKldSummary({
          studyHash, ...group.identity, direction, segmenter: version.segmenter, verifier: version.verifier, settingsHash,
          texts: summary.texts, positions: summary.positions, meanKl: summary.kld.mean, p99Kl: summary.kld.p99, sameTopPercent: summary.sameTopPercent, summary,
        });
      }
    }
  });
  return groups.size;
}
