export type { AdapterInfoLike, DawnBackendType, WebgpuAdapterSummary, WebgpuOptions } from './adapter.js';
export { DAWN_BACKENDS, softwareAdapterReason } from './adapter.js';
export { webgpuAdapter } from './backend.js';
