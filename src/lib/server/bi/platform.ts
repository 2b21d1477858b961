/**
 * The platform's figures for the console (docs/bi.md#metrics): public.admin_platform_metrics —
 * per day DAU / WAU / MAU and tenants created, archived and active; per month and currency the
 * MRR movement (new, expansion, contraction, churned). Staff only (TN061 for anyone else).
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';

export interface PlatformDay {
	day: string;
	dau: number;
	wau: number;
	mau: number;
	tenantsCreated: number;
	tenantsArchived: number;
	tenantsActive: number;
}

export interface MrrMonth {
	month: string;
	currency: string;
	mrrStart: number;
	mrr: number;
	newMrr: number;
	expansionMrr: number;
	contractionMrr: number;
	churnedMrr: number;
	payingTenants: number;
}

export interface PlatformMetrics {
	days: PlatformDay[];
	months: MrrMonth[];
}

export async function platformMetrics(trx: Transaction<DB>, days = 90): Promise<PlatformMetrics> {
	const { rows } = await sql<{
		m: { days: Record<string, unknown>[]; months: Record<string, unknown>[] };
	}>`
		select public.admin_platform_metrics(${days}) as m`.execute(trx);
	const m = rows[0]!.m;
	return {
		days: (m.days ?? []).map((d) => ({
			day: String(d.day),
			dau: Number(d.dau),
			wau: Number(d.wau),
			mau: Number(d.mau),
			tenantsCreated: Number(d.tenants_created),
			tenantsArchived: Number(d.tenants_archived),
			tenantsActive: Number(d.tenants_active)
		})),
		months: (m.months ?? []).map((r) => ({
			month: String(r.month).slice(0, 7),
			currency: String(r.currency),
			mrrStart: Number(r.mrr_start),
			mrr: Number(r.mrr),
			newMrr: Number(r.new_mrr),
			expansionMrr: Number(r.expansion_mrr),
			contractionMrr: Number(r.contraction_mrr),
			churnedMrr: Number(r.churned_mrr),
			payingTenants: Number(r.paying_tenants)
		}))
	};
}
