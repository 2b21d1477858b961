/**
 * The DNS records a tenant publishes for a custom domain (public.dns_records, made by SQL from the
 * domains.* platform settings) and their check: each record is looked up through the resolver
 * boundary and gets a status — ok, missing (nothing there), wrong (something else there: what was
 * found is kept) or error (the lookup failed). A CAA record is advice: none at all lets every CA
 * issue, so it is "missing" but not required; a CAA set that leaves out the platform's CA is wrong
 * (it would block the certificate).
 */
import { normaliseHost, type DnsRecordType, type DnsResolver, type Lookup } from './resolver';

export type DnsRecordStatus = 'pending' | 'ok' | 'missing' | 'wrong' | 'error';

export interface DnsRecord {
	id: string;
	domainId: string;
	recordType: DnsRecordType;
	host: string;
	value: string;
	purpose: 'routing' | 'verification' | 'advice';
	required: boolean;
	status: DnsRecordStatus;
	found: string | null;
	lastCheckedAt: Date | null;
}

export interface RecordCheck {
	id: string;
	status: Exclude<DnsRecordStatus, 'pending'>;
	found: string | null;
}

function same(type: DnsRecordType, a: string, b: string): boolean {
	if (type === 'CNAME') return normaliseHost(a) === normaliseHost(b);
	if (type === 'CAA') return a.toLowerCase() === b.toLowerCase();
	return a === b;
}

/** One record's status from what the resolver answered for its host and type. */
export function evaluateRecord(
	record: Pick<DnsRecord, 'id' | 'recordType' | 'value'>,
	lookup: Lookup
): RecordCheck {
	if (lookup.kind === 'error') {
		return { id: record.id, status: 'error', found: `the lookup failed (${lookup.code})` };
	}
	if (lookup.kind === 'none') return { id: record.id, status: 'missing', found: null };
	if (lookup.values.some((v) => same(record.recordType, v, record.value))) {
		return { id: record.id, status: 'ok', found: null };
	}
	return { id: record.id, status: 'wrong', found: lookup.values.join(', ').slice(0, 1000) };
}

/** Checks records (one lookup per host and type, shared by records that ask the same). */
export async function checkRecords(
	records: Pick<DnsRecord, 'id' | 'recordType' | 'host' | 'value'>[],
	resolver: DnsResolver
): Promise<RecordCheck[]> {
	const lookups = new Map<string, Promise<Lookup>>();
	return Promise.all(
		records.map(async (record) => {
			const key = `${record.recordType} ${record.host}`;
			if (!lookups.has(key)) lookups.set(key, resolver.lookup(record.recordType, record.host));
			return evaluateRecord(record, await lookups.get(key)!);
		})
	);
}

/** What a person reads next to a record. */
export function describeCheck(record: Pick<DnsRecord, 'status' | 'found' | 'required'>): string {
	switch (record.status) {
		case 'ok':
			return 'In place.';
		case 'missing':
			return record.required ? 'Not published yet.' : 'Not published (recommended).';
		case 'wrong':
			return `Found ${record.found ?? 'another value'} instead: change it to the value shown.`;
		case 'error':
			return `Could not be checked: ${record.found ?? 'the lookup failed'}; try again later.`;
		default:
			return 'Not checked yet.';
	}
}
