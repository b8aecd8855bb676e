/** `GET /v1/weightings`: every built-in weighting with its parameters and provenance. */
import { WEIGHTING_NAMES, ZERO_VARIANCE_MODES, weighting, type Provenance, type ZeroVarianceMode } from '@rlvr/weights';

/** One weighting as `/v1/weightings` lists it. */
export interface WeightingListing {
  /** Stable name (what `/v1/advantages` takes). */
  name: string;
  /** Display label. */
  label: string;
  /** Where its formula comes from: confirmed, inferred, baseline. */
  provenance: Provenance;
  /** One line on what it is. */
  note: string;
  /** Its parameters with their default values. */
  parameters: Readonly<Record<string, number | string>>;
  /** h(ρ) = h(1−ρ). */
  mirrorSymmetric: boolean;
  /** h(0) = h(1) = 0: all-wrong and all-right groups give no gradient. */
  silentAtEndpoints: boolean;
  /** Rewards it accepts: `unit` ([0, 1]) or `real`. */
  rewardDomain: string;
}

/** The listing, computed once per server. */
export function listWeightings(): { weightings: WeightingListing[]; zeroVarianceModes: readonly ZeroVarianceMode[] } {
  return {
    weightings: WEIGHTING_NAMES.map((name) => {
      const w = weighting(name);
      return {
        name: w.name,
        label: w.label,
        provenance: w.provenance,
        note: w.note,
        parameters: w.parameters,
        mirrorSymmetric: w.mirrorSymmetric,
        silentAtEndpoints: w.silentAtEndpoints,
        rewardDomain: w.rewardDomain,
      };
    }),
    zeroVarianceModes: ZERO_VARIANCE_MODES,
  };
}
