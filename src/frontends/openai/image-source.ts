/**
 * An OpenAI image URL (`image_url.url`, also the Responses API's `input_image.image_url`) as a neutral image source:
 * a base64 `data:` URI split into media type and data (substrings of the URL, not copies), anything else kept as a URL.
 */
import type { ImageSource } from '../../spec/index.ts';

/** `data:<media type>[;parameter…],` — the media type in group 1, the parameters in group 2. */
const dataUriPattern = /^data:([^;,]*)((?:;[^;,]*)*),/;
const base64Parameter = /;base64$/i;

export function imageSource(url: string): ImageSource {
  if (url.startsWith('data:')) {
    const match = dataUriPattern.exec(url);
    // A data URI that does not end its parameters with `;base64` stays a URL: the provider refuses it, as before.
    if (match !== null && base64Parameter.test(match[2])) return { type: 'data', mediaType: match[1], data: url.slice(match[0].length) };
  }
  return { type: 'url', url };
}
