export {
  GpuDevice,
  openDevice,
  probeAdapter,
  requestGpuDevice,
  tryRequestGpuDevice,
  summariseAdapter,
  describeAdapter,
} from './gpu-device.js';
export type { AdapterProbe, AdapterSummary, GpuDeviceOptions } from './gpu-device.js';
export { selectBackend, parseBackendChoice } from './backend.js';
export type { BackendChoice, BackendName, BackendSelection, SelectBackendOptions } from './backend.js';
export { BackendUnavailableError, GpuDisposedError, GpuError, GpuKernelError, TensorShapeError } from './errors.js';
export type { GpuErrorKind } from './errors.js';
