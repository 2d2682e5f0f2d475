// Shared pieces of the console's pages: Preact + htm (no build step), hooks, formatting,
// and the components every page uses for its loading, empty and error states.

import {
  html,
  render,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "../vendor/htm-preact.module.js";
import { ApiError } from "./api.js";

export { html, render, useCallback, useEffect, useMemo, useRef, useState };

// ---------------------------------------------------------------- navigation

export function navigate(path) {
  const target = path.startsWith("#") ? path : "#" + path;
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = target;
}

// The current route's query (#/cases?status=open → {status: "open"}).
export function routeQuery() {
  const hash = location.hash.slice(1);
  const at = hash.indexOf("?");
  return Object.fromEntries(new URLSearchParams(at < 0 ? "" : hash.slice(at + 1)));
}

// Replace the route's query without a new history entry (filters, paging).
export function setRouteQuery(query) {
  const hash = location.hash.slice(1);
  const path = hash.split("?")[0] || "/";
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  history.replaceState(null, "", "#" + path + (text ? "?" + text : ""));
}

// --------------------------------------------------------------------- data

// Load data for a page: {data, error, loading, reload}. ``load`` is an async function;
// it runs again when a value in ``deps`` changes, and on reload().
export function useLoad(load, deps = []) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true, error: null }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { ...state, reload };
}

// Load a classic script of this server once (e.g. the chart library), as a promise.
const scripts = new Map();
export function loadScript(src) {
  if (!scripts.has(src)) {
    scripts.set(
      src,
      new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = src;
        script.onload = resolve;
        script.onerror = () => reject(new Error("脚本加载失败：" + src));
        document.head.append(script);
      }),
    );
  }
  return scripts.get(src);
}

// ---------------------------------------------------------------- formatting

const pad = (n) => String(n).padStart(2, "0");

// "2026-09-24T09:00:00+08:00" → "2026-09-24 09:00" (the API answers in Beijing time).
export function dateTime(value) {
  if (!value) return "—";
  return String(value).slice(0, 16).replace("T", " ");
}

export function day(value) {
  if (!value) return "—";
  return String(value).slice(0, 10);
}

export function today() {
  const now = new Date(Date.now() + 8 * 3600 * 1000); // Beijing
  return `${now.getUTCFullYear()}-${pad(now.getUTCMonth() + 1)}-${pad(now.getUTCDate())}`;
}

export function percent(rate) {
  if (rate === null || rate === undefined) return "—";
  return (rate * 100).toFixed(1) + "%";
}

// A mask of the last digits kept (for showing what was typed back to the person).
export function maskTail(value, keep = 4) {
  if (!value) return "";
  return "*".repeat(Math.max(0, value.length - keep)) + value.slice(-keep);
}

// ----------------------------------------------------------------- components

// A page: its title (also the document's) and the heading the router focuses.
export function Page({ title, actions, children, wide }) {
  useEffect(() => {
    document.title = title + " · 办事工作台";
  }, [title]);
  return html`<section class=${"page" + (wide ? " wide" : "")} aria-labelledby="page-title">
    <header class="page-head">
      <h1 id="page-title" tabindex="-1">${title}</h1>
      ${actions ? html`<div class="page-actions">${actions}</div>` : null}
    </header>
    ${children}
  </section>`;
}

export function Loading({ text }) {
  return html`<p class="state loading" role="status" aria-live="polite">
    <span class="spinner" aria-hidden="true"></span>${text || "正在加载…"}
  </p>`;
}

export function Empty({ children }) {
  return html`<div class="state empty" role="status">${children}</div>`;
}

// An error with what to do next: retry, sign in again, or go back.
export function ErrorBox({ error, retry }) {
  if (!error) return null;
  const status = error instanceof ApiError ? error.status : 0;
  let next = "请稍后重试；如仍不行，请联系系统管理员。";
  if (status === 404) next = "可能不存在，或不在您的办理范围内。";
  else if (status === 403) next = "您的岗位没有这项权限；如需办理，请联系本单位负责人。";
  else if (status === 409 || status === 412) next = "办件已被他人改变：请刷新后再办理。";
  else if (status === 422 || status === 400) next = "请按提示修改后再提交。";
  else if (status === 0) next = "请检查网络连接。";
  return html`<div class="state error" role="alert">
    <p><strong>${error.message}</strong></p>
    <p>${next}</p>
    ${retry ? html`<button type="button" onClick=${retry}>重试</button>` : null}
  </div>`;
}

// Load-state switch: loading, error (with retry) or the content.
export function Loaded({ state, children, loadingText }) {
  if (state.loading && !state.data) return html`<${Loading} text=${loadingText} />`;
  if (state.error) return html`<${ErrorBox} error=${state.error} retry=${state.reload} />`;
  return typeof children === "function" ? children(state.data) : children;
}

// A due time as people read it: a limit that runs out at midnight is the end of the day
// before ("2026-09-29T00:00" → "2026-09-28 24:00"), not the start of the next.
export function dueTime(value) {
  if (!value) return "—";
  const text = String(value);
  if (text.slice(11, 16) !== "00:00") return dateTime(text);
  const [year, month, date] = text.slice(0, 10).split("-").map(Number);
  const before = new Date(Date.UTC(year, month - 1, date - 1));
  const shown = `${before.getUTCFullYear()}-${pad(before.getUTCMonth() + 1)}-${pad(before.getUTCDate())}`;
  return shown + " 24:00";
}

// A due mark in words and colour: 已超期 (red), 即将到期 (yellow), or the due time.
export function DueMark({ due, overdue, warning }) {
  if (!due) return html`<span class="due none">无时限</span>`;
  const when = dueTime(due);
  if (overdue || warning === "red")
    return html`<span class="due red"><span class="mark">已超期</span> ${when}</span>`;
  if (warning === "yellow")
    return html`<span class="due yellow"><span class="mark">将到期</span> ${when}</span>`;
  return html`<span class="due">${when}</span>`;
}

// A labelled form field; ``error`` is shown beside it and announced.
let fieldCounter = 0;
export function Field({ label, error, hint, required, children, id }) {
  const ref = useRef(id || "f" + ++fieldCounter);
  const fieldId = ref.current;
  const described = [hint ? fieldId + "-hint" : null, error ? fieldId + "-error" : null]
    .filter(Boolean)
    .join(" ");
  const control = typeof children === "function" ? children({ id: fieldId, described }) : children;
  return html`<div class=${"field" + (error ? " invalid" : "")}>
    <label for=${fieldId}>${label}${required ? html`<span class="required" aria-hidden="true"> *</span>` : null}</label>
    ${control}
    ${hint ? html`<p class="hint" id=${fieldId + "-hint"}>${hint}</p>` : null}
    ${error ? html`<p class="field-error" id=${fieldId + "-error"}>${error}</p>` : null}
  </div>`;
}

// ``exact`` false: more than ``total`` match (the server counted no further).
export function Pager({ page, pageSize, total, onPage, exact = true }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const count = exact ? `共 ${total} 条` : `超过 ${total} 条，可翻看前 ${total} 条：请缩小查询范围`;
  if (pages <= 1) return html`<p class="pager">${count}</p>`;
  return html`<nav class="pager" aria-label="分页">
    <button type="button" disabled=${page <= 1} onClick=${() => onPage(page - 1)}>上一页</button>
    <span>第 ${page} / ${pages} 页，${count}</span>
    <button type="button" disabled=${page >= pages} onClick=${() => onPage(page + 1)}>下一页</button>
  </nav>`;
}

// A short message announced to screen readers and shown for a few seconds.
export function notify(text, kind = "ok") {
  const region = document.getElementById("notices");
  if (!region) return;
  const item = document.createElement("p");
  item.className = "notice " + kind;
  item.textContent = text;
  region.append(item);
  setTimeout(() => item.remove(), 6000);
}
