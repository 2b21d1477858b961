/**
 * Payment proofs (manual payment, spec 003): a PDF, PNG or JPEG, recognised by its first bytes
 * and not by its name or declared type, stored through the storage module (docs/storage.md) in
 * bucket payment-proofs as an attachment of the tenant's billing (owner type `billing`, owner id
 * the tenant) — `<tenant_id>/billing/<tenant_id>/<uuid>/<name>`, the path submit_payment_proof
 * records. The storage policies let billing.manage holders upload it and billing.read holders and
 * billing staff read it.
 */
import type { FileKind } from '../../storage/kinds';

export const PROOF_BUCKET = 'payment-proofs';
export const PROOF_KINDS: readonly FileKind[] = ['pdf', 'png', 'jpeg'];
export const PROOF_MAX_BYTES = 5 * 1024 * 1024;
/** The whole upload (the file, the form's other fields, multipart framing): larger is refused unread (413). */
export const PROOF_BODY_MAX_BYTES = PROOF_MAX_BYTES + 64 * 1024;
