// Models as the method uses them (method.md §1, paper §2): three roles, each a base model on
// one engine plus optionally a LoRA adapter we trained or imported. The workspace records the
// assignment (Models step) and the later stages read it; a stage copies what it used into its
// lineage (runs.ts StageLineage), so changing a role later does not rewrite history.
/**
 * Where a model runs: web-llm's prebuilt quantized models, our ONNX Runtime engine on Hugging
 * Face checkpoints (with our adapters), an OpenAI-compatible server the user runs (data leaves
 * the browser: off by default), or the deterministic fake used by tests and `?engine=fake`.
 */
export type EngineKind = 'web-llm' | 'onnx' | 'server' | 'fake';

/**
 * The roles of the method: the backward model M_yx writes instructions (§2.2), the rater
 * M0/M1 scores candidates (§2.3; M_t rates for iteration t+1), the judge compares answers in
 * evaluation (§3).
 */
export type ModelRole = 'backward' | 'rater' | 'judge';

export const MODEL_ROLES: readonly ModelRole[] = ['backward', 'rater', 'judge'];

/** Enough to load a model again: what ModelSpec holds, minus files and secrets. */
export interface ModelChoice {
  engine: EngineKind;
  /** web-llm model_id, Hugging Face repo id, local folder name, or the server's model name. */
  modelId: string;
  source: 'web-llm' | 'hf' | 'local' | 'server' | 'fake';
  revision?: string;
  dtype?: 'fp16' | 'fp32' | 'int4';
  /** For engine 'server': the OpenAI-compatible base URL the user typed (e.g. http://localhost:8000/v1). */
  serverUrl?: string;
}

/** A role's assignment: a model and, optionally, one of the workspace's adapter checkpoints. */
export interface RoleAssignment extends ModelChoice {
  /** A Checkpoint of kind 'adapter' in this workspace, applied on top of the model. */
  adapterCheckpointId?: string;
  assignedAt: number;
}

export type RoleAssignments = Partial<Record<ModelRole, RoleAssignment>>;
