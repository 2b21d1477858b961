-- A certificate's private key is never readable back (issue 17 §4, docs/domains.md). The key is a
-- secret owned by its certificate (20261207000300_domain_dns_certificates.sql), and reveal_secret
-- gave any holder of secrets.reveal its plaintext, through the secrets page and
-- GET /api/v1/secrets/{id}/value. Now reveal refuses a certificate-owned secret (TN594) after the
-- caller's right to see it is checked (so a stranger still gets TN310 and learns nothing); the
-- key stays usable by server code (use_secret) and is replaced by uploading a new certificate.
-- Changes: public.reveal_secret (create or replace; same signature, grants kept).

create or replace function public.reveal_secret(p_secret_id uuid, p_version integer default null,
  out tenant_id uuid, out secret_id uuid, out version_id uuid, out version integer, out data_key_id uuid,
  out wrapped_key text, out ciphertext text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_secret public.secrets := private.secret_for(p_secret_id, 'reveal');
begin
  if v_secret.owner_type = 'certificate' then
    raise exception 'a certificate''s private key is never revealed' using errcode = 'TN594';
  end if;
  select * into tenant_id, secret_id, version_id, version, data_key_id, wrapped_key, ciphertext
  from private.sealed_secret_version(v_secret, p_version);
  perform private.audit_event(v_secret.tenant_id, 'secret.reveal', 'secrets', v_secret.id::text, null,
                              jsonb_build_object('name', v_secret.name, 'version', version, 'version_id', version_id));
  perform private.publish_event(v_secret.tenant_id, 'secret.revealed', 'secret', v_secret.id::text,
                                jsonb_build_object('secret_id', v_secret.id, 'name', v_secret.name, 'version', version));
end
$$;

comment on function public.reveal_secret(uuid, integer) is
  'A version''s sealed material (the current one by default) for the app to open and show, recorded in the audit '
  'log as secret.reveal and published as secret.revealed. Needs secrets.reveal (TN002; TN310 when the caller may '
  'not see the secret, TN321 for no such version, TN594 for a certificate''s private key, which is never revealed). '
  'Security definer: nobody reads the sealed columns.';
