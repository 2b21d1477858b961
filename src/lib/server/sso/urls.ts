/** Our endpoints an identity provider is told about (per provider, so an answer names its provider). */
const base = (publicUrl: string) => publicUrl.replace(/\/+$/, '');

/** The SAML SP entity id (and the metadata's address). */
export const spEntityId = (publicUrl: string, providerId: string) =>
	`${base(publicUrl)}/auth/sso/${providerId}/metadata`;

/** The SAML assertion consumer service (HTTP-POST). */
export const acsUrl = (publicUrl: string, providerId: string) =>
	`${base(publicUrl)}/auth/sso/${providerId}/acs`;

/** The OIDC redirect URI. */
export const oidcRedirectUrl = (publicUrl: string, providerId: string) =>
	`${base(publicUrl)}/auth/sso/${providerId}/callback`;
