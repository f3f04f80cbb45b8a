// The API client: its paths, parameters and bodies are typed from the OpenAPI document the server states
// (src/generated/openapi.ts, generated in the build), so the tab cannot drift from the API unnoticed.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./generated/openapi";

// Calls to /api/v1 with the caller's identity: the Teams SSO token, or the loopback dev sign-in.
export type Auth = { kind: "sso"; token: () => Promise<string> } | { kind: "dev"; tenant: string; email: string };

export type Api = Client<paths>;
type Schemas = components["schemas"];
export type Member = Schemas["MemberPublic"];
export type Lead = Schemas["LeadPublic"];
export type FollowUp = Schemas["FollowUpOut"];
export type Reason = Schemas["ReasonOut"];
export type HandOff = Schemas["HandOffOut"];
export type Pipeline = Schemas["PipelineOut"];
export type Vocabulary = Schemas["VocabularyOut"];
export type PracticeHealth = Schemas["PracticeHealthOut"];
export type Timeline = Schemas["TimelineOut"];
export type ImportReport = Schemas["ImportOut"];
export type TimelineItem = Timeline["items"][number];

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

/** A client for /api/v1 that signs every request as ``auth``. Path parameters are encoded by
 * openapi-fetch as one segment each, so an id from a URL cannot reach another route. */
export function makeApi(auth: Auth): Api {
  // The document's paths carry the /api/v1 prefix themselves; the API is served by the same origin.
  const client = createClient<paths>({ baseUrl: window.location.origin });
  const signing: Middleware = {
    async onRequest({ request }) {
      const header = auth.kind === "dev" ? `Dev ${auth.tenant} ${auth.email}` : `Bearer ${await auth.token()}`;
      request.headers.set("Authorization", header);
      return request;
    },
  };
  client.use(signing);
  signers.set(client, auth);
  return client;
}

// Each client's identity, for the one call openapi-fetch cannot make: an upload that reports progress.
const signers = new WeakMap<Api, Auth>();

/** A file sent as the body of a POST to ``path`` (below /api/v1, query included) with upload progress,
 * which fetch cannot report; resolves with the status and JSON body, also for a 400 with a report. */
export async function upload<T>(
  api: Api,
  path: string,
  file: Blob,
  onProgress?: (fraction: number) => void,
): Promise<{ status: number; body: T }> {
  const auth = signers.get(api);
  if (!auth) throw new ApiError(0, "unsigned", null);
  const header = auth.kind === "dev" ? `Dev ${auth.tenant} ${auth.email}` : `Bearer ${await auth.token()}`;
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", `/api/v1${path}`);
    request.setRequestHeader("Authorization", header);
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.responseType = "json";
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
    };
    request.onload = () => resolve({ status: request.status, body: request.response as T });
    request.onerror = () => reject(new ApiError(0, "network", null));
    request.send(file);
  });
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** The body of a successful answer; a refusal throws an ApiError with the API's error code. */
export async function ok<T>(call: Promise<Answer<T>>): Promise<NonNullable<T>> {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined) {
    const code = (error as { error?: string } | undefined)?.error ?? "error";
    throw new ApiError(response.status, code, error);
  }
  return data as NonNullable<T>;
}
