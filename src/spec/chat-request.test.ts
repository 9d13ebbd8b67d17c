import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalImageType } from './chat-request.ts';

describe('canonicalImageType', () => {
  it('names JPEG by its registered type, whatever the case', () => {
    assert.equal(canonicalImageType('image/jpg'), 'image/jpeg');
    assert.equal(canonicalImageType('IMAGE/JPG'), 'image/jpeg');
    assert.equal(canonicalImageType(' image/jpg '), 'image/jpeg');
    assert.equal(canonicalImageType('image/jpeg'), 'image/jpeg');
  });

  it('lower-cases and trims, and returns a canonical type itself', () => {
    assert.equal(canonicalImageType('Image/PNG'), 'image/png');
    const gif = 'image/gif';
    assert.equal(canonicalImageType(gif), gif);
    // Only jpg is renamed: a near miss keeps its name, for the channel to judge.
    assert.equal(canonicalImageType('image/jpgx'), 'image/jpgx');
    assert.equal(canonicalImageType('image/pjpeg'), 'image/pjpeg');
  });
});
