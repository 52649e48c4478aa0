/**
 * SigV4 for the load test's requests to an API that requires IAM authorization (`AWS_IAM`):
 * the SDK's own signer (@smithy/signature-v4) and the caller's credentials from the default
 * provider chain (env, profile, SSO, instance role...), service `execute-api`, hashing with
 * node:crypto.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';

export interface RequestToSign {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** Returns the headers to send (the given ones plus authorization, x-amz-date, ...). */
export type RequestSigner = (request: RequestToSign) => Promise<Record<string, string>>;

export function createRequestSigner(options: {
  region: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  service?: string;
}): RequestSigner {
  const signer = new SignatureV4({
    credentials: options.credentials ?? defaultProvider(),
    region: options.region,
    service: options.service ?? 'execute-api',
    sha256: NodeSha256,
  });
  return async (request) => {
    const url = new URL(request.url);
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    const signed = await signer.sign({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { ...request.headers, host: url.host },
      ...(request.body !== undefined ? { body: request.body } : {}),
    });
    // fetch sets host itself (and refuses to be told).
    const { host: _host, ...headers } = signed.headers as Record<string, string>;
    return headers;
  };
}

/** The caller's credentials, resolved once (env, profile, SSO, instance role...): what a sender thread signs with. */
export async function resolveCredentials(): Promise<AwsCredentialIdentity> {
  const { accessKeyId, secretAccessKey, sessionToken } = await defaultProvider()();
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/**
 * SHA-256 and HMAC-SHA-256 from node:crypto, as the signer's checksum: several times cheaper per
 * request than the pure JavaScript implementation, which matters at hundreds of signed requests a second.
 */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  private readonly secret: SourceData | undefined;

  constructor(secret?: SourceData) {
    this.secret = secret;
    this.hash = this.fresh();
  }

  update(data: Uint8Array | string): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key =
      typeof this.secret === 'string'
        ? this.secret
        : ArrayBuffer.isView(this.secret)
          ? Buffer.from(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength)
          : Buffer.from(this.secret);
    return createHmac('sha256', key);
  }
}

/** The region of an API Gateway URL (`<id>.execute-api.<region>.amazonaws.com`), if it is one. */
export function regionOfApiUrl(url: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(new URL(url).hostname)?.[1];
}

/** Loopback targets (`sls offline`, `npm run cloud`) serve the API unsigned, as they always have. */
export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}
