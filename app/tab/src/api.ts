// Calls to /api/v1 with the caller's identity: the Teams SSO token, or the loopback dev sign-in.
export type Auth = { kind: "sso"; token: () => Promise<string> } | { kind: "dev"; tenant: string; email: string };

// A path below /api/v1 that was built by apiPath, so every id in it is encoded: the type checker refuses a
// plain string, which could carry "../" from a URL, Teams context or API answer into another route.
export type ApiPath = string & { readonly __apiPath: true };

/** `/leads/${id}/timeline` with every interpolated value encoded as one path segment (or, for
 * URLSearchParams, as an already encoded query string). */
export function apiPath(parts: TemplateStringsArray, ...values: (string | number | URLSearchParams)[]): ApiPath {
  let path = parts[0];
  values.forEach((value, index) => {
    const encoded = value instanceof URLSearchParams ? value.toString() : encodeURIComponent(String(value));
    path += encoded + parts[index + 1];
  });
  return path as ApiPath;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** ``value`` when it is a uuid, the only form our ids take; anything else from outside is ignored. */
export function asId(value: string | null | undefined): string | null {
  return value && UUID.test(value) ? value.toLowerCase() : null;
}

export class ApiError extends Error {
  constructor(public status: number, public code: string, public body: unknown) {
    super(code);
  }
}

export class Api {
  constructor(private auth: Auth) {}

  private async header(): Promise<string> {
    if (this.auth.kind === "dev") return `Dev ${this.auth.tenant} ${this.auth.email}`;
    return `Bearer ${await this.auth.token()}`;
  }

  async request<T>(method: string, path: ApiPath, body?: unknown): Promise<T> {
    const response = await fetch(`/api/v1${path}`, {
      method,
      headers: { Authorization: await this.header(), "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
    if (!response.ok) throw new ApiError(response.status, (data && data.error) || "error", data);
    return data as T;
  }

  get<T>(path: ApiPath): Promise<T> {
    return this.request<T>("GET", path);
  }
  post<T>(path: ApiPath, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, body ?? {});
  }
}

export type Member = { id: string; display_name: string; email: string; role: string; team_id: string | null };
export type Lead = {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  title: string | null;
  stage: string;
  lifecycle: string;
  total_score: number;
  fit_score: number;
  engagement_score: number;
  owner_id: string | null;
  team_id: string | null;
  version: number;
  score_explanation: { rule_id: string; label: string; points: number; category: string }[];
};
export type Reason = { code: string; params: Record<string, string | number>; text?: Record<string, string> };
export type FollowUp = {
  id: string;
  lead_id: string;
  due_at: string;
  kind: string;
  status: string;
  reasons: Reason[];
  suggested_channel: string | null;
  suggested_content_key: string | null;
};
