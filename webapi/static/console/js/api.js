// The console's only way to the server: the public HTTP API (/api/v1), with the bearer
// token of this tab's session. Nothing here knows a page; pages call get/post/... and get
// the JSON body, or an ApiError carrying the problem (application/problem+json).
//
// Session: the token lives in this tab's sessionStorage (docs/console.md, "Session"):
// it is gone when the tab closes, is never sent unless a script of this origin adds it
// (so no CSRF), and the strict Content-Security-Policy keeps other scripts out.

const API = "/api/v1";
const KEY = "daiban.console.session";
const listeners = new Set();

// Every API call this tab makes, for the browser tests' "calls per page" figure.
window.daibanApiCalls = window.daibanApiCalls || [];

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `请求失败（${status}）`);
    this.status = status;
    this.problem = problem;
    this.code = problem.code || null;
  }

  // Field errors by field name ("applicant.id_number" → "必填"), body and query alike.
  get fields() {
    const found = {};
    for (const error of this.problem.errors || []) {
      if (error.field && !(error.field in found)) found[error.field] = error.reason;
    }
    return found;
  }
}

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || "null");
  } catch {
    return null;
  }
}

function store(value) {
  if (value) sessionStorage.setItem(KEY, JSON.stringify(value));
  else sessionStorage.removeItem(KEY);
}

// Called with a reason ("expired", "signed_out", "revoked") when the session ends.
export function onSessionEnd(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function ended(reason) {
  store(null);
  listeners.forEach((listener) => listener(reason));
}

// A session past its expiry ends before the next page asks the server (which would
// refuse the token anyway).
export function checkExpiry() {
  const current = session();
  if (current && current.expires_at && Date.parse(current.expires_at) <= Date.now()) {
    ended("expired");
    return false;
  }
  return true;
}

function url(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === "") continue;
    params.set(name, String(value));
  }
  const text = params.toString();
  return API + path + (text ? "?" + text : "");
}

// One request. Returns {data, etag, status, response}; throws ApiError on 4xx/5xx.
// `text` / `blob`: the body as text or as a Blob (a file) instead of JSON.
export async function request(method, path, { query, body, headers, text, blob } = {}) {
  const current = session();
  const sent = { Accept: "application/json", ...(headers || {}) };
  if (current) sent.Authorization = "Bearer " + current.token;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    sent["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const address = url(path, query);
  window.daibanApiCalls.push(method + " " + address);
  let response;
  try {
    response = await fetch(address, { method, headers: sent, body: payload, cache: "no-store" });
  } catch {
    throw new ApiError(0, { detail: "无法连接服务器：请检查网络后重试。" });
  }
  if (response.status === 401 && current && path !== "/auth/login") {
    ended("expired");
    throw new ApiError(401, { detail: "登录已过期，请重新登录。", code: "unauthorized" });
  }
  const etag = response.headers.get("ETag");
  if (!response.ok) {
    let problem = {};
    try {
      problem = await response.json();
    } catch {
      problem = { detail: `服务器出错（${response.status}），请稍后重试。` };
    }
    if (response.status === 429 && !problem.detail) problem.detail = "请求过于频繁，请稍后重试。";
    throw new ApiError(response.status, problem);
  }
  if (response.status === 204) return { data: null, etag, status: 204, response };
  const data = text ? await response.text() : blob ? await response.blob() : await response.json();
  return { data, etag, status: response.status, response };
}

export async function get(path, query) {
  return (await request("GET", path, { query })).data;
}

export async function post(path, body, options = {}) {
  return (await request("POST", path, { ...options, body })).data;
}

export async function login(user, password) {
  const { data } = await request("POST", "/auth/login", { body: { user, password } });
  store({ token: data.token, expires_at: data.expires_at, user: data.user });
  return data.user;
}

export async function logout() {
  try {
    await request("POST", "/auth/logout");
  } catch {
    // the token may already have expired: the session ends here all the same
  }
  ended("signed_out");
}
