// The OpenAI-compatible server behind `tuna serve`, usable as a library.
export type { ChatMessage, Engine, GenerationRequest, GenerationResult, ServedModel } from './engine.js';
export { ModelEngine, type ModelEngineOptions } from './model-engine.js';
export { uploadAdapter, type ServedAdapter } from '../generate/resident-adapter.js';
export { createApiServer, startServer, type RunningServer, type ServerOptions } from './server.js';
export { ApiError } from './api-error.js';
export { SerialQueue } from './serial-queue.js';
