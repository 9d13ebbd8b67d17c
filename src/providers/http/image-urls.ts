/**
 * Image URLs in a chat request, for providers that take image bytes only (Bedrock, Gemini): which ones the gateway
 * must fetch first, and the errors for URLs it will not fetch.
 */
import { GatewayError } from '../../errors/index.ts';
import type { Cancellation } from '../../lib/cancellation.ts';
import type { ChatRequest } from '../../spec/index.ts';
import { fetchImage, type ImageAllowList, type ImageBytes } from './fetch-image.ts';

export function startsWithScheme(url: string, scheme: string): boolean {
  return url.length >= scheme.length && url.slice(0, scheme.length).toLowerCase() === scheme;
}

export function imageParam(messageIndex: number, partIndex: number): string {
  return `messages[${messageIndex}].content[${partIndex}].image_url.url`;
}

export function unsupportedScheme(url: string, param: string): GatewayError {
  const colon = url.indexOf(':');
  const scheme = colon > 0 && colon < 16 ? url.slice(0, colon + 1) : 'this kind of';
  return new GatewayError('invalid_request', `${param}: ${scheme} image URLs are not supported; use an https: URL or a base64 data: URI`, { param });
}

/**
 * The `https:` image URLs (inline image data needs no fetching) the gateway must fetch before converting the request, each once, in order of appearance.
 * Throws `invalid_request` for an image URL that is neither `https:` nor a `data:` URI, before anything is fetched.
 */
export function collectImageUrls(request: ChatRequest): string[] {
  let urls: string[] | undefined;
  const messages = request.messages;
  for (let messageIndex = 0; messageIndex < messages.length; messageIndex++) {
    const message = messages[messageIndex];
    if (message.role !== 'user' || typeof message.content === 'string') continue;
    const parts = message.content;
    for (let partIndex = 0; partIndex < parts.length; partIndex++) {
      const part = parts[partIndex];
      if (part.type !== 'image' || part.source.type !== 'url') continue;
      const url = part.source.url;
      if (startsWithScheme(url, 'data:')) continue;
      if (!startsWithScheme(url, 'https:')) throw unsupportedScheme(url, imageParam(messageIndex, partIndex));
      urls ??= [];
      if (!urls.includes(url)) urls.push(url);
    }
  }
  return urls ?? [];
}

/**
 * The request's `https:` images fetched (in parallel, within `limits`), by URL; empty when it has none. Throws like
 * `collectImageUrls` for an unsupported URL, and like `fetchImage` for one that cannot be fetched.
 */
export async function fetchRequestImages(
  request: ChatRequest,
  limits: { readonly maxBytes: number; readonly timeoutMs: number; readonly allow?: ImageAllowList },
  cancellation: Cancellation,
): Promise<Map<string, ImageBytes>> {
  const urls = collectImageUrls(request);
  const images = new Map<string, ImageBytes>();
  if (urls.length === 0) return images;
  const fetched = await Promise.all(urls.map((url) => fetchImage(url, { ...limits, cancellation })));
  urls.forEach((url, index) => images.set(url, fetched[index]));
  return images;
}
