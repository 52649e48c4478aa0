import { createHash, createHmac } from 'node:crypto';
import { createRequestSigner, isLoopback, regionOfApiUrl } from '#lib/sigv4';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

/** SigV4 recomputed from the AWS specification, independently of the signer under test. */
function expectedSignature(request: {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
  region: string;
}): { signature: string; signedHeaders: string; scope: string } {
  const headers = Object.fromEntries(
    Object.entries({ ...request.headers, host: request.url.host }).map(([k, v]) => [k.toLowerCase(), v.trim()]),
  );
  const authorization = headers.authorization ?? '';
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1] ?? '';
  const names = signedHeaders.split(';');
  const canonical = [
    request.method,
    request.url.pathname,
    '',
    ...names.map((n) => `${n}:${headers[n]}`),
    '',
    signedHeaders,
    sha256(request.body),
  ].join('\n');
  const date = headers['x-amz-date'] ?? '';
  const scope = `${date.slice(0, 8)}/${request.region}/execute-api/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, date.slice(0, 8));
  for (const part of [request.region, 'execute-api', 'aws4_request']) key = hmac(key, part);
  return { signature: createHmac('sha256', key).update(toSign).digest('hex'), signedHeaders, scope };
}

describe('the load test signs its requests with SigV4', () => {
  it('carries a signature an API Gateway would recompute for the same request', async () => {
    const sign = createRequestSigner({ region: 'eu-west-1', credentials });
    const url = 'https://abc123.execute-api.eu-west-1.amazonaws.com/orders';
    const body = JSON.stringify({ orderId: 'o-1' });
    const headers = await sign({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body });
    const expected = expectedSignature({ method: 'POST', url: new URL(url), headers, body, region: 'eu-west-1' });
    expect(headers.authorization).toBe(
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${expected.scope}, SignedHeaders=${expected.signedHeaders}, Signature=${expected.signature}`,
    );
    expect(expected.signedHeaders.split(';')).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'content-type']));
  });

  it('changes the signature when the body is tampered with', async () => {
    const sign = createRequestSigner({ region: 'eu-west-1', credentials });
    const url = 'https://abc123.execute-api.eu-west-1.amazonaws.com/orders';
    const headers = await sign({ method: 'POST', url, headers: {}, body: '{"orderId":"o-1"}' });
    const forged = expectedSignature({
      method: 'POST',
      url: new URL(url),
      headers,
      body: '{"orderId":"o-2"}',
      region: 'eu-west-1',
    });
    expect(headers.authorization).not.toContain(forged.signature);
  });

  it('knows an API Gateway URL region and leaves loopback targets unsigned', () => {
    expect(regionOfApiUrl('https://abc123.execute-api.eu-west-1.amazonaws.com')).toBe('eu-west-1');
    expect(isLoopback('http://127.0.0.1:3000')).toBe(true);
    expect(isLoopback('http://localhost:3000')).toBe(true);
    expect(isLoopback('https://abc123.execute-api.eu-west-1.amazonaws.com')).toBe(false);
  });
});
