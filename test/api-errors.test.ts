/** Bad input to the API gets a 4xx in the one error shape, never a stack trace. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';

function assertErrorShape(body: string, code: string) {
  const parsed = JSON.parse(body);
  assert.deepEqual(Object.keys(parsed), ['error']);
  assert.equal(parsed.error.code, code);
  assert.equal(typeof parsed.error.message, 'string');
  assert.ok(parsed.error.message.length > 10);
  assert.doesNotMatch(body, /at .*\.(ts|js):\d+/, 'no stack trace');
}

describe('API error handling', () => {
  let t: TestApp;
  let admin: Session;
  before(async () => {
    t = await createTestApp({ config: { maxRequestBytes: 4096, metricsToken: 'scrape-token-for-tests' } });
    admin = await t.logIn((await t.makePerson(['administrator'])).username);
  });
  after(async () => { await t.close(); });

  it('malformed JSON answers 400 malformed_json', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"username": "a", ' });
    assert.equal(res.statusCode, 400);
    assertErrorShape(res.body, 'malformed_json');
  });

  it('an oversized body answers 413 too_large', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username: 'x'.repeat(10_000), password: 'y' }) });
    assert.equal(res.statusCode, 413);
    assertErrorShape(res.body, 'too_large');
  });

  it('a body that breaks the schema answers 400 invalid_request with the details', async () => {
    const res = await t.as(admin, 'POST', '/api/groups', { kind: 'planet', name: 'Mars' });
    assert.equal(res.statusCode, 400);
    assertErrorShape(res.body, 'invalid_request');
    assert.ok(Array.isArray(res.json().error.details));
  });

  it('a body that is not JSON at all answers 415', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'username=a&password=b' });
    assert.equal(res.statusCode, 415);
    assertErrorShape(res.body, 'unsupported_media_type');
  });

  it('an unknown API address answers 404 in the same shape', async () => {
    const res = await t.as(admin, 'GET', '/api/nothing-here');
    assert.equal(res.statusCode, 404);
    assertErrorShape(res.body, 'not_found');
    const del = await t.as(admin, 'DELETE', '/api/people');
    assert.equal(del.statusCode, 404);
    assertErrorShape(del.body, 'not_found');
  });

  it('a person who does not exist answers 404 with a plain message', async () => {
    const res = await t.as(admin, 'GET', '/api/people/00000000-0000-4000-8000-000000000000');
    assert.equal(res.statusCode, 404);
    assertErrorShape(res.body, 'not_found');
  });

  it('serves health, readiness, metrics and the OpenAPI document', async () => {
    assert.equal((await t.app.inject('/healthz')).json().status, 'ok');
    assert.equal((await t.app.inject('/readyz')).json().status, 'ready');
    assert.equal((await t.app.inject('/metrics')).statusCode, 401, 'metrics need the token');
    const metrics = await t.app.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-token-for-tests' } });
    assert.match(metrics.body, /osprey_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/);
    const doc = (await t.app.inject('/api/openapi.json')).json();
    assert.equal(doc.openapi, '3.0.3');
    assert.ok(doc.paths['/api/people'].get, 'people search is documented');
    assert.ok(doc.paths['/api/import/people'].post.requestBody, 'import body schema is documented');
  });
});
