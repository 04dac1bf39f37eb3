/**
 * A study's `restore:` block, resolved: which variants to repair, which training problems to mine pairs
 * from, how many pairs, which methods, the LoRA and training settings (in the engine's recipe field names),
 * and the ablation. Defaults follow seed 003: 545 pairs, LoRA rank 32 / alpha 64, DPO (sigmoid, beta 0.1),
 * with SFT on the chosen solutions beside it; the training problems are each evaluated benchmark's `train`
 * split (2,000 problems), never the evaluated split.
 *
 * ```yaml
 * restore:
 *   variants: [Q2_K-pure]          # "model/variant" when the study has several models
 *   train: [{ name: arith, split: train, size: 2000 }]
 *   methods: [dpo, sft, margin]    # margin: raise fp's token at the first divergence (seed 002);
 *                                  # sft+dpo: DPO starting from the sft adapter (seed 003's format alignment first)
 *   ablation: true                 # also one DPO adapter per error category (seed Table 4)
 *   training: { lr: 5e-5, epochs: 1, batch_size: 8, max_steps: 60 }
 * ```
 */
import type { IssueList } from "../study/issues.ts";
import type { FieldPath } from "../study/locate.ts";
import type { ProblemSubsetSpec } from "../study/types.ts";
import { DEFAULT_PAIR_CAP } from "./mine.ts";

export const RESTORE_METHODS = ["dpo", "sft", "margin", "sft+dpo"] as const;
export type RestoreMethod = (typeof RESTORE_METHODS)[number];
export const DEFAULT_TRAIN_SIZE = 2000;

/** The engine's LoRA and optimisation fields (engine/qreason_engine/train/recipe.py), resolved. */
export interface RestoreTraining {
  rank: number;
  alpha: number;
  dropout: number;
  targets?: string[];
  lr: number;
  epochs: number;
  batchSize: number;
  maxSteps?: number;
  beta: number;
  loss: "sigmoid" | "ipo" | "sigmoid+sft";
  sftWeight: number;
  margin: number;
  maxLength: number;
  device: "auto" | "cpu" | "cuda";
}

export interface RestoreTrainSet {
  label: string;
  subset: ProblemSubsetSpec;
}

export interface RestoreSpec {
  /** Variant names as the study writes them: "variant", or "model/variant". */
  variants: string[];
  /** Undefined: each evaluated benchmark's `train` split, DEFAULT_TRAIN_SIZE problems. */
  train?: RestoreTrainSet[];
  pairs: number;
  allocation: "proportional" | "balanced";
  crossScale: boolean;
  methods: RestoreMethod[];
  ablation: boolean;
  leakage: "exclude" | "error";
  seed: number;
  training: RestoreTraining;
}

export interface RestoreInput {
  variants: string[];
  train?: { name: string; split?: string; size?: number; seed?: number; label?: string }[];
  pairs?: number;
  allocation?: "proportional" | "balanced";
  cross_scale?: boolean;
  methods?: RestoreMethod[];
  ablation?: boolean;
  leakage?: "exclude" | "error";
  seed?: number;
  lora?: { rank?: number; alpha?: number; dropout?: number; targets?: string[] };
  training?: {
    lr?: number; epochs?: number; batch_size?: number; max_steps?: number; beta?: number;
    loss?: "sigmoid" | "ipo" | "sigmoid+sft"; sft_weight?: number; margin?: number; max_length?: number; device?: "auto" | "cpu" | "cuda";
  };
}

export const DEFAULT_TRAINING: RestoreTraining = {
  rank: 32, alpha: 64, dropout: 0, lr: 5e-5, epochs: 1, batchSize: 8, beta: 0.1, loss: "sigmoid", sftWeight: 0, margin: 1, maxLength: 1024, device: "auto",
};

export function resolveRestore(input: RestoreInput, at: FieldPath, context: { seed: number; benchmarks: readonly string[] }, issues: IssueList): RestoreSpec {
  const methods: RestoreMethod[] = [...new Set<RestoreMethod>(input.methods ?? ["dpo", "sft"])];
  if (input.ablation === true && !methods.includes("dpo")) issues.add([...at, "ablation"], "the ablation trains DPO on one error category at a time: add dpo to methods");
  if (methods.includes("sft+dpo") && !methods.includes("sft")) issues.add([...at, "methods"], "sft+dpo trains DPO from the sft adapter: add sft to methods (its row is the comparison sft+dpo is read against)");
  const loss = input.training?.loss ?? DEFAULT_TRAINING.loss;
  const sftWeight = input.training?.sft_weight ?? (loss === "sigmoid+sft" ? 1 : 0);
  if (loss !== "sigmoid+sft" && input.training?.sft_weight !== undefined && input.training.sft_weight !== 0) {
    issues.add([...at, "training", "sft_weight"], `only loss 'sigmoid+sft' takes an sft_weight; loss is '${loss}'`);
  }
  const seed = input.seed ?? context.seed;
  const training: RestoreTraining = {
    rank: input.lora?.rank ?? DEFAULT_TRAINING.rank,
    alpha: input.lora?.alpha ?? DEFAULT_TRAINING.alpha,
    dropout: input.lora?.dropout ?? DEFAULT_TRAINING.dropout,
    ...(input.lora?.targets !== undefined ? { targets: input.lora.targets } : {}),
    lr: input.training?.lr ?? DEFAULT_TRAINING.lr,
    epochs: input.training?.epochs ?? DEFAULT_TRAINING.epochs,
    batchSize: input.training?.batch_size ?? DEFAULT_TRAINING.batchSize,
    ...(input.training?.max_steps !== undefined ? { maxSteps: input.training.max_steps } : {}),
    beta: input.training?.beta ?? DEFAULT_TRAINING.beta,
    loss,
    sftWeight,
    margin: input.training?.margin ?? DEFAULT_TRAINING.margin,
    maxLength: input.training?.max_length ?? DEFAULT_TRAINING.maxLength,
    device: input.training?.device ?? DEFAULT_TRAINING.device,
  };
  const spec: RestoreSpec = {
    variants: input.variants,
    pairs: input.pairs ?? DEFAULT_PAIR_CAP,
    allocation: input.allocation ?? "proportional",
    crossScale: input.cross_scale ?? true,
    methods,
    ablation: input.ablation ?? false,
    leakage: input.leakage ?? "exclude",
    seed,
    training,
  };
  if (input.train !== undefined) {
    const labels = new Set<string>();
    spec.train = input.train.map((entry, index) => {
      const label = entry.label ?? `${entry.name}-${entry.split ?? "train"}`;
      if (labels.has(label)) issues.add([...at, "train", index], `duplicate training set '${label}' (give it a label)`);
      labels.add(label);
      return { label, subset: { benchmark: entry.name, split: entry.split ?? "train", size: entry.size ?? DEFAULT_TRAIN_SIZE, seed: entry.seed ?? seed } };
    });
  }
  return spec;
}

/** `restore.variants` entries resolved against the study's models: [model, variant] pairs, or a message. */
export function restoreTargets(spec: RestoreSpec, models: readonly { name: string; baseline: string; variants: readonly { name: string }[] }[]): { model: string; variant: string }[] | string {
  const targets: { model: string; variant: string }[] = [];
  for (const entry of spec.variants) {
    const slash = entry.indexOf("/");
    const modelName = slash === -1 ? undefined : entry.slice(0, slash);
    const variantName = slash === -1 ? entry : entry.slice(slash + 1);
    const candidates = models.filter((model) => (modelName === undefined || model.name === modelName) && model.variants.some((variant) => variant.name === variantName));
    if (candidates.length === 0) {
      const names = models.flatMap((model) => model.variants.filter((variant) => variant.name !== model.baseline).map((variant) => (models.length > 1 ? `${model.name}/${variant.name}` : variant.name)));
      return `restore.variants: no variant named '${entry}' (variants: ${names.join(", ")})`;
    }
    if (candidates.length > 1) return `restore.variants: '${entry}' is a variant of ${candidates.map((model) => model.name).join(" and ")}; write model/variant`;
    const model = candidates[0] as (typeof candidates)[number];
    if (model.baseline === variantName) return `restore.variants: '${entry}' is the baseline; restore repairs a quantized variant against it`;
    targets.push({ model: model.name, variant: variantName });
  }
  return targets;
}

/**
 * The models whose pairs train one target's adapter: with cross-scale sampling every model (size) of the
 * study that has a variant of the target's name, in study order; else the target's model alone.
 */
export function crossScaleGroup<Model extends { name: string; variants: readonly { name: string }[] }>(spec: Pick<RestoreSpec, "crossScale">, models: readonly Model[], target: { model: string; variant: string }): Model[] {
  if (!spec.crossScale) return models.filter((model) => model.name === target.model);
  return models.filter((model) => model.name === target.model || model.variants.some((variant) => variant.name === target.variant));
}
