export { Executable, FeedError, Resident, Runtime, type AdamWStep, type Feed, type HostTensor, type RunOptions, type RuntimeOptions } from './runtime.js';
