/** The training configuration: schema, defaults, CLI overrides and the field reference. */
export { ConfigError, ConfigFileError } from './config-error.js';
export {
  BACKEND_CHOICES,
  DATASET_FORMATS,
  FIELD_INFO,
  KL_ESTIMATORS,
  LOSS_AGGREGATIONS,
  LR_SCHEDULES,
  MALFORMED_POLICIES,
  TASK_NAMES,
  TEMPLATE_NAMES,
  TRAIN_CONFIG_SCHEMA,
  weightingParameters,
  configuredWeighting,
  CHECKPOINT_ERROR_POLICIES,
  GUARD_ACTIONS,
  SAMPLING_DEVICE_CHOICES,
  loraEnabled,
  type FieldInfo,
  type GuardConfig,
  type TrainConfig,
  type TrainConfigInput,
} from './schema.js';
export { configFields, flagFields, preferredFlag, type ConfigField, type FieldKind } from './fields.js';
export {
  loadTrainConfig,
  overrideValue,
  parseOverrides,
  parseTrainConfig,
  type ConfigOverride,
} from './load-config.js';
export { configReference, configReferenceMarkdown, type ConfigReferenceRow } from './reference.js';
export { learningRateAt } from './lr-schedule.js';
export { adamWOptions, policyLossConfig } from './kernel-options.js';
export { writeRunConfig } from './run-config.js';
