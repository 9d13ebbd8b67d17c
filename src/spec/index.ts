export type * from './chat-request.ts';
export { canonicalImageType, createChatRequest } from './chat-request.ts';
export type * from './chat-result.ts';
export type * from './embedding.ts';
export type * from './finish-reason.ts';
export type * from './stream-part.ts';
export type * from './usage.ts';
export { createUsage } from './usage.ts';
