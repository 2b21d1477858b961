/**
 * A stand-in for Supabase Storage (storage-api) on node:http, for testing the Supabase adapter
 * without Docker: the few endpoints the adapter calls, with storage-api's paths, headers, JSON
 * shapes and error bodies (`{ statusCode, error, message }`, 400 with statusCode "404"/"409" as
 * storage-api answers them). Signed URLs carry an HS256 JWT `token` over `{ url, iat, exp }` as
 * storage-api's do; `download` asks for Content-Disposition: attachment; a `transform` in the sign
 * request answers a `/render/image/sign/…` URL (image transformation) whose image is resized to it
 * with sharp, as WebP. It keeps objects in memory
 * and refuses any request without the service key (as `apikey` and as the bearer token).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

/** storage-api's TransformOptions (the subset Tenantry sends). */
interface Transform {
	width: number;
	height: number;
	resize?: 'cover' | 'contain' | 'fill';
}

export interface StorageFake {
	/** The project URL (SUPABASE_URL); storage-api answers under `${url}/storage/v1`. */
	url: string;
	serviceKey: string;
	objects: Map<string, { bytes: Buffer; contentType: string }>;
	/** Method and path of every request, in order. */
	requests: string[];
	close(): Promise<void>;
}

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export async function startStorageFake(): Promise<StorageFake> {
	const serviceKey = `service-role-${randomUUID()}`;
	const jwtSecret = randomUUID();
	const objects = new Map<string, { bytes: Buffer; contentType: string }>();
	const requests: string[] = [];

	const sign = (payload: object) => {
		const head = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify(payload))}`;
		return `${head}.${createHmac('sha256', jwtSecret).update(head).digest('base64url')}`;
	};
	const verify = (token: string): { url: string; exp: number; transform?: Transform } | null => {
		const [h, p, s] = token.split('.');
		if (!h || !p || !s) return null;
		if (createHmac('sha256', jwtSecret).update(`${h}.${p}`).digest('base64url') !== s) return null;
		return JSON.parse(Buffer.from(p, 'base64url').toString()) as {
			url: string;
			exp: number;
			transform?: Transform;
		};
	};
	const json = (res: ServerResponse, status: number, body: unknown) => {
		res.writeHead(status, { 'content-type': 'application/json' });
		res.end(JSON.stringify(body));
	};
	const storageError = (res: ServerResponse, statusCode: string, error: string, message: string) =>
		json(res, 400, { statusCode, error, message });
	const body = (req: IncomingMessage) =>
		new Promise<Buffer>((resolve) => {
			const chunks: Buffer[] = [];
			req.on('data', (c: Buffer) => chunks.push(c));
			req.on('end', () => resolve(Buffer.concat(chunks)));
		});

	const server = createServer(async (req, res) => {
		const url = new URL(req.url ?? '/', 'http://fake');
		const path = decodeURIComponent(url.pathname);
		requests.push(`${req.method} ${url.pathname}`);
		const signed = path.match(/^\/storage\/v1\/object\/sign\/([^/]+)\/(.+)$/);
		const rendered = path.match(/^\/storage\/v1\/render\/image\/sign\/([^/]+)\/(.+)$/);
		if (req.method === 'GET' && rendered) {
			// Image transformation (imgproxy behind storage-api): the token carries the transform;
			// a client that accepts WebP gets WebP.
			const claims = verify(url.searchParams.get('token') ?? '');
			const key = `${rendered[1]}/${rendered[2]}`;
			if (!claims || claims.url !== key || !claims.transform)
				return storageError(res, '400', 'InvalidJWT', 'invalid signature');
			if (claims.exp * 1000 < Date.now())
				return storageError(res, '400', 'InvalidJWT', '"exp" claim timestamp check failed');
			const object = objects.get(key);
			if (!object) return storageError(res, '404', 'not_found', 'Object not found');
			const { width, height, resize } = claims.transform;
			const out = await sharp(object.bytes)
				.resize(width, height, {
					fit: resize === 'cover' ? 'cover' : resize === 'fill' ? 'fill' : 'inside'
				})
				.webp()
				.toBuffer();
			res.writeHead(200, { 'content-type': 'image/webp' });
			return res.end(out);
		}
		if (req.method === 'GET' && signed) {
			const claims = verify(url.searchParams.get('token') ?? '');
			const key = `${signed[1]}/${signed[2]}`;
			if (!claims || claims.url !== key)
				return storageError(res, '400', 'InvalidJWT', 'invalid signature');
			if (claims.exp * 1000 < Date.now())
				return storageError(res, '400', 'InvalidJWT', '"exp" claim timestamp check failed');
			const object = objects.get(key);
			if (!object) return storageError(res, '404', 'not_found', 'Object not found');
			const download = url.searchParams.get('download');
			res.writeHead(200, {
				'content-type': object.contentType,
				...(download !== null
					? {
							'content-disposition': `attachment; filename="${download || signed[2]!.split('/').pop()}"`
						}
					: {})
			});
			return res.end(object.bytes);
		}
		if (req.headers.apikey !== serviceKey || req.headers.authorization !== `Bearer ${serviceKey}`) {
			return storageError(res, '403', 'Unauthorized', 'Invalid Compact JWS');
		}
		const upload = path.match(/^\/storage\/v1\/object\/([^/]+)\/(.+)$/);
		const download = path.match(/^\/storage\/v1\/object\/authenticated\/([^/]+)\/(.+)$/);
		const bucketOnly = path.match(/^\/storage\/v1\/object\/([^/]+)$/);
		if (req.method === 'POST' && signed) {
			const key = `${signed[1]}/${signed[2]}`;
			if (!objects.has(key)) return storageError(res, '404', 'not_found', 'Object not found');
			const { expiresIn, transform } = JSON.parse((await body(req)).toString() || '{}') as {
				expiresIn?: number;
				transform?: Transform;
			};
			if (!Number.isInteger(expiresIn) || expiresIn! < 1) {
				return storageError(res, '400', 'Invalid Input', 'body/expiresIn must be >= 1');
			}
			const iat = Math.floor(Date.now() / 1000);
			const token = sign({
				url: key,
				iat,
				exp: iat + expiresIn!,
				...(transform ? { transform } : {})
			});
			const route = transform ? '/render/image/sign' : '/object/sign';
			return json(res, 200, { signedURL: `${route}/${encodeURI(key)}?token=${token}` });
		}
		if (req.method === 'GET' && download) {
			const object = objects.get(`${download[1]}/${download[2]}`);
			if (!object) return storageError(res, '404', 'not_found', 'Object not found');
			res.writeHead(200, { 'content-type': object.contentType });
			return res.end(object.bytes);
		}
		if (req.method === 'DELETE' && bucketOnly) {
			const { prefixes } = JSON.parse((await body(req)).toString() || '{}') as {
				prefixes?: string[];
			};
			if (!Array.isArray(prefixes))
				return storageError(
					res,
					'400',
					'Invalid Input',
					"body must have required property 'prefixes'"
				);
			const removed = prefixes
				.filter((p) => objects.delete(`${bucketOnly[1]}/${p}`))
				.map((name) => ({ bucket_id: bucketOnly[1], name }));
			return json(res, 200, removed);
		}
		if (req.method === 'POST' && upload && !upload[1]!.startsWith('sign')) {
			const key = `${upload[1]}/${upload[2]}`;
			if (objects.has(key) && req.headers['x-upsert'] !== 'true') {
				return storageError(res, '409', 'Duplicate', 'The resource already exists');
			}
			objects.set(key, {
				bytes: await body(req),
				contentType: String(req.headers['content-type'] ?? 'application/octet-stream')
			});
			return json(res, 200, { Key: key, Id: randomUUID() });
		}
		return storageError(res, '404', 'not_found', 'Route not found');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		serviceKey,
		objects,
		requests,
		close: () => new Promise((resolve) => server.close(() => resolve()))
	};
}
