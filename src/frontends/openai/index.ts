export { ChatChunkEncoder, doneEvent } from './chat-chunk-encoder.ts';
export { parseChatRequest } from './parse-chat-request.ts';
export { parseEmbeddingRequest } from './parse-embedding-request.ts';
export { writeChatResponse } from './write-chat-response.ts';
export { writeEmbeddingResponse } from './write-embedding-response.ts';
