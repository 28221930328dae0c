export { Executable, FeedError, Resident, Runtime, type Feed, type HostTensor, type RunOptions, type RuntimeOptions } from './runtime.js';
