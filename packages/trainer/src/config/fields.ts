/**
 * Walking the config schema: every leaf field with its dotted path, default, documentation and the
 * CLI flags that set it. One walk feeds the override parser, the error messages (allowed keys of an
 * object) and the config reference (README table), so none of them keeps its own list of fields.
 */
import type * as z from 'zod';
import { FIELD_INFO, TRAIN_CONFIG_SHAPE, type FieldInfo } from './schema.js';
import { trlFlags } from './trl-flags.js';

/** The value kind of a leaf, which decides how a CLI override string is read. */
export type FieldKind = 'number' | 'boolean' | 'string' | 'array';

/** One leaf field of the configuration. */
export interface ConfigField extends FieldInfo {
  /** Path segments, e.g. `['optim', 'lr']`. */
  path: string[];
  /** Dotted path, e.g. `optim.lr`. */
  name: string;
  /** Default value (`undefined` for optional parameters with no default of their own). */
  defaultValue: unknown;
  /** How an override string is read. */
  kind: FieldKind;
  /** True when `null` is allowed. */
  nullable: boolean;
  /** The leaf's schema (defaults included). */
  schema: z.ZodType;
}

/** Explicit flag aliases for the knobs users type most, where the leaf name alone is ambiguous. */
const ALIASES: Readonly<Record<string, string>> = {
  model: 'model.path',
  task: 'task.name',
  weighting: 'weighting.name',
  temperature: 'sampling.temperature',
};

/**
 * Leaf names that get no flag of their own even when unique: too short to be clear (`a`, `b`, a bare
 * `--frozen`, `--prompt`), or misleading to users of TRL, where `--epsilon` is the PPO clip (so here it sets
 * `ppo.epsLow`, trl-flags.ts), not GRPO's ε.
 */
const PATH_ONLY = new Set([
  'a',
  'b',
  'std',
  'epsilon',
  'threshold',
  'path',
  'count',
  'format',
  'prompts',
  'samples',
  'keep',
  'reference',
  'estimator',
  'frozen',
  // reward.*: a bare --weights would read as the model's weights, a bare --functions as nothing in particular.
  'functions',
  'weights',
  // task.fields.*: a bare --prompt or --answer would read as the text itself, not a record path.
  'prompt',
  'answer',
  'dataSource',
]);

interface Unwrapped {
  inner: z.ZodType;
  nullable: boolean;
}

/** Strip default/prefault/optional/nullable wrappers. */
function unwrap(schema: z.ZodType): Unwrapped {
  let inner = schema;
  let nullable = false;
  for (;;) {
    const def = inner.def as { type: string; innerType?: z.ZodType };
    if (def.innerType === undefined || !['default', 'prefault', 'optional', 'nullable'].includes(def.type)) break;
    if (def.type === 'nullable') nullable = true;
    inner = def.innerType;
  }
  return { inner, nullable };
}

function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | null {
  const { inner } = unwrap(schema);
  return inner.def.type === 'object' ? (inner as unknown as { shape: Record<string, z.ZodType> }).shape : null;
}

function kindOf(inner: z.ZodType): FieldKind {
  const type = inner.def.type;
  if (type === 'number' || type === 'int') return 'number';
  if (type === 'boolean') return 'boolean';
  if (type === 'array') return 'array';
  return 'string';
}

function defaultOf(schema: z.ZodType): unknown {
  const def = schema.def as { type: string; defaultValue?: unknown };
  return def.type === 'default' ? def.defaultValue : undefined;
}

let cached: ConfigField[] | undefined;

/** Every leaf field of the configuration, in schema order. */
export function configFields(): readonly ConfigField[] {
  if (cached !== undefined) return cached;
  const fields: ConfigField[] = [];
  const visit = (shape: Record<string, z.ZodType>, prefix: string[]) => {
    for (const [key, schema] of Object.entries(shape)) {
      const path = [...prefix, key];
      const nested = shapeOf(schema);
      if (nested !== null) {
        visit(nested, path);
        continue;
      }
      const info = FIELD_INFO.get(schema);
      if (info === undefined) {
        throw new Error(`config field ${path.join('.')} has no documentation (wrap it in field())`);
      }
      const { inner, nullable } = unwrap(schema);
      fields.push({
        ...info,
        path,
        name: path.join('.'),
        defaultValue: defaultOf(schema),
        kind: kindOf(inner),
        nullable,
        schema,
      });
    }
  };
  visit(TRAIN_CONFIG_SHAPE.shape, []);
  cached = fields;
  return fields;
}

/** The allowed keys of the object at `path` (`[]` = the top level), or null when `path` is no object. */
export function objectKeys(path: readonly (string | number)[]): string[] | null {
  let shape: Record<string, z.ZodType> | null = TRAIN_CONFIG_SHAPE.shape;
  for (const segment of path) {
    const next: z.ZodType | undefined = shape?.[String(segment)];
    shape = next === undefined ? null : shapeOf(next);
    if (shape === null) return null;
  }
  return shape === null ? null : Object.keys(shape);
}

/** camelCase → kebab-case (`maxNewTokens` → `max-new-tokens`). */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

let ownTable: Map<string, ConfigField> | undefined;
let flagTable: Map<string, ConfigField> | undefined;

/**
 * This project's own flags (without `--`) → field. Each field answers to its dotted path (camelCase or
 * kebab-case segments), to its leaf name alone when no other leaf has that name (`lr`, `group-size`),
 * and to the explicit aliases (`weighting` → `weighting.name`).
 */
function ownFlags(): ReadonlyMap<string, ConfigField> {
  if (ownTable !== undefined) return ownTable;
  const table = new Map<string, ConfigField>();
  const fields = configFields();
  const leafUses = new Map<string, number>();
  for (const f of fields) leafUses.set(f.path.at(-1)!, (leafUses.get(f.path.at(-1)!) ?? 0) + 1);
  for (const f of fields) {
    table.set(f.name, f);
    table.set(f.path.map(kebab).join('.'), f);
    const leaf = f.path.at(-1)!;
    if (leafUses.get(leaf) === 1 && !PATH_ONLY.has(leaf)) {
      table.set(leaf, f);
      table.set(kebab(leaf), f);
    }
  }
  for (const [alias, target] of Object.entries(ALIASES)) {
    const f = fields.find((candidate) => candidate.name === target);
    if (f === undefined) throw new Error(`config alias --${alias} points at unknown field ${target}`);
    table.set(alias, f);
  }
  ownTable = table;
  return table;
}

/**
 * Flag (without `--`) → field: this project's flags ({@link ownFlags}) and TRL's option names
 * (trl-flags.ts: `learning_rate` → `optim.lr`).
 */
export function flagFields(): ReadonlyMap<string, ConfigField> {
  if (flagTable !== undefined) return flagTable;
  const table = new Map(ownFlags());
  for (const [flag, f] of trlFlags(configFields())) {
    const taken = table.get(flag);
    // One flag must never set two fields: a TRL name that is another field's flag is a schema mistake.
    if (taken !== undefined && taken !== f) {
      throw new Error(`TRL option --${flag} of ${f.name} is already the flag of ${taken.name}; set trlNotAlias on one`);
    }
    table.set(flag, f);
  }
  flagTable = table;
  return table;
}

/** The shortest of this project's flags that sets `field` (what help texts and docs show). */
export function preferredFlag(f: ConfigField): string {
  let best = f.path.map(kebab).join('.');
  for (const [flag, target] of ownFlags()) {
    if (target === f && flag.length < best.length && !/[A-Z]/.test(flag)) best = flag;
  }
  return best;
}

/** The TRL option name that sets `f` as a flag (`learning_rate`), or null when TRL's name is none here. */
export function trlFlag(f: ConfigField): string | null {
  return f.trl !== null && flagFields().get(f.trl) === f ? f.trl : null;
}
