/**
 * The verdict of a verifier on one completion. `reward` is what the trainer optimises; the other
 * fields say why, for logs and for debugging a reward function.
 */
export interface VerificationResult {
  /** The reward, in [0, 1] for the built-in verifiers (e.g. Countdown: 1 correct, 0.1 well-formed, 0 none). */
  reward: number;
  /** True when the extracted answer is judged equal to the reference. */
  correct: boolean;
  /** True when an answer was found in the expected format (whether or not it is right). */
  formatOk: boolean;
  /** The answer text the verifier extracted from the completion; null when none was found. */
  extracted: string | null;
  /**
   * Why: `correct`, `wrong-answer`, `no-answer`, or a more specific reason such as
   * `invalid-expression: numbers reused`, `timeout`, `error: …`.
   */
  reason: string;
}

/**
 * An answer checker for one task. `verify` must be deterministic, must not throw on any completion
 * (a malformed one is a zero reward with a reason), and should be synchronous and fast; the
 * `VerifierPool` adds time limits and isolation on worker threads.
 */
export interface Verifier<Ref = unknown> {
  /** Stable name used by the registry, configs and the command line, e.g. `"countdown"`. */
  readonly name: string;
  /**
   * Turn a reference as found in a dataset or a JSONL file (parsed JSON) into the verifier's own
   * reference type; throws a {@link VerifierError} naming what is wrong with it.
   */
  parseReference(raw: unknown): Ref;
  /** Score one completion against a reference. Never throws for any string `completion`. */
  verify(completion: string, reference: Ref): VerificationResult;
}
