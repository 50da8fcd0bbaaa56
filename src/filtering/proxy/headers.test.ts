import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forwardHeaders, viaHasLoop } from './headers.ts';
import { safeSearchRewrite, searchTermOf } from './search.ts';

describe('forwarding headers (RFC 9110 §7.6)', () => {
  it('drops hop-by-hop fields and those the Connection header names, keeps the rest in order, and adds Via', () => {
    const raw = ['Host', 'a.example', 'Connection', 'keep-alive, X-Secret', 'X-Secret', '1', 'Keep-Alive', 'timeout=5', 'TE', 'trailers',
      'Set-Cookie', 'a=1', 'Proxy-Authorization', 'Basic eDp5', 'Set-Cookie', 'b=2', 'Upgrade', 'h2c', 'Transfer-Encoding', 'chunked'];
    assert.deepEqual(forwardHeaders(raw, '1.1 osprey-x'), ['Host', 'a.example', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Via', '1.1 osprey-x']);
  });

  it('appends to an existing Via and recognises its own name (a loop)', () => {
    const out = forwardHeaders(['Via', '1.1 trust-proxy', 'Via', '1.0 old'], '1.1 osprey-x');
    assert.deepEqual(out, ['Via', '1.1 trust-proxy, 1.0 old, 1.1 osprey-x']);
    assert.equal(viaHasLoop(out, 'osprey-x'), true);
    assert.equal(viaHasLoop(out, 'osprey-y'), false);
  });
});

describe('search engines on plain HTTP', () => {
  it('finds the search term of known engines only', () => {
    assert.equal(searchTermOf('www.google.co.uk', '/search?q=volcano+facts&hl=en'), 'volcano facts');
    assert.equal(searchTermOf('www.youtube.com', '/results?search_query=minecraft'), 'minecraft');
    assert.equal(searchTermOf('www.bing.com', '/search?form=x&q=%C3%A9t%C3%A9'), 'été');
    assert.equal(searchTermOf('google.evil.example', '/search?q=x'), undefined);
    assert.equal(searchTermOf('www.google.com', '/maps'), undefined);
  });

  it('locks SafeSearch on in the request', () => {
    assert.equal(safeSearchRewrite('www.google.com', '/search?q=x&safe=off').pathAndQuery, '/search?q=x&safe=active');
    assert.equal(safeSearchRewrite('www.bing.com', '/search?q=x').pathAndQuery, '/search?q=x&adlt=strict');
    assert.equal(safeSearchRewrite('duckduckgo.com', '/?q=x').pathAndQuery, '/?q=x&kp=1');
    assert.deepEqual(safeSearchRewrite('www.youtube.com', '/watch?v=1').headers, ['YouTube-Restrict', 'Strict']);
  });
});
