// 办件进度查询: a resident looks up a case's progress by its 办件编号 and the last six
// characters of the applicant's ID number, with no account. A client of the public API
// only (GET /api/v1/public/progress, no Authorization header); shows progress, never
// personal data. The address may carry the number (?number=…, the QR code on a receipt);
// the ID tail is never put in the address.
import { html, render, useState, useEffect, useRef } from "/console/vendor/htm-preact.module.js";

const API = "/api/v1/public/progress";
const NOT_FOUND = "没有找到这个办件：请核对办件编号和身份证号码后六位。";
const NUMBER_RE = /^[0-9]+$/;
const TAIL_RE = /^[0-9]{5}[0-9X]$/;

// What is wrong with the number as typed so far ("" when nothing; `final`: on submit).
function numberError(value, final) {
  if (!value) return final ? "请填写办件编号" : "";
  if (!NUMBER_RE.test(value)) return "办件编号只含数字，请去掉其他字符";
  if (final && value.length < 10) return "办件编号太短，请对照受理回执填写完整";
  return "";
}

// The tail as typed: digits, and X only as the last character; six characters in all.
function tailError(value, final) {
  if (!value) return final ? "请填写身份证号码后六位" : "";
  if (value.length > 6) return "只填身份证号码的后六位";
  if (!/^[0-9X]*$/.test(value)) return "只能填数字或字母 X";
  if (value.slice(0, -1).includes("X")) return "字母 X 只能是最后一位";
  if (final && !TAIL_RE.test(value)) return `还差 ${6 - value.length} 位：请填满六位`;
  return "";
}

const cleanNumber = (value) => value.replace(/\s+/g, "");
const cleanTail = (value) => value.replace(/\s+/g, "").replace(/x/g, "X");

// "2026-09-24" or an ISO date-time → "2026年9月24日" (Beijing time).
function day(value) {
  if (!value) return "";
  let y, m, d;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    [y, m, d] = value.split("-").map(Number);
  } else {
    const parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: "Asia/Shanghai",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).format(new Date(value));
    [y, m, d] = parts.split("-").map(Number);
  }
  return `${y}年${m}月${d}日`;
}

const Time = ({ value }) => html`<time datetime=${value}>${day(value)}</time>`;

// The status's colour by its code (open 在办, completed 已办结, cancelled 已撤件).
function statusClass(progress) {
  if (progress.status === "completed") return "green";
  if (progress.status === "cancelled") return "grey";
  return "blue";
}

function addressParams() {
  const params = new URLSearchParams(window.location.search);
  const number = cleanNumber(params.get("number") || "");
  const tail = cleanTail(params.get("id_tail") || "");
  if (params.has("id_tail")) {
    // The ID tail never stays in the address (history, shared links, screenshots).
    params.delete("id_tail");
    const query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
  }
  return { number, tail };
}

async function lookUp(number, tail) {
  const query = new URLSearchParams({ number, id_tail: tail });
  let response;
  try {
    response = await fetch(`${API}?${query}`, {
      headers: { Accept: "application/json" },
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    return { kind: "error", message: "网络连接失败，请检查网络后再试。" };
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.ok && body) return { kind: "found", progress: body };
  if (response.status === 404) return { kind: "missing", detail: (body && body.detail) || "" };
  if (response.status === 422) {
    const fields = {};
    for (const error of (body && body.errors) || []) {
      const name = (error.field || "").split(".").pop();
      if (name && !(name in fields)) fields[name] = error.reason || error.message || "格式不对";
    }
    return { kind: "invalid", fields, detail: (body && body.detail) || "" };
  }
  if (response.status === 429) {
    const seconds = Number(response.headers.get("Retry-After")) || 60;
    const minutes = Math.max(1, Math.ceil(seconds / 60));
    return { kind: "error", message: `查询过于频繁，请 ${minutes} 分钟后再试。` };
  }
  return { kind: "error", message: "查询暂时无法完成，请稍后再试；如仍不行，请联系办理窗口。" };
}

function Field({ id, label, hint, error, children }) {
  const described = [hint ? id + "-hint" : null, error ? id + "-error" : null].filter(Boolean).join(" ");
  return html`<div class=${"field" + (error ? " invalid" : "")}>
    <label for=${id}>${label}<span class="required" aria-hidden="true"> *</span></label>
    ${children(described)}
    ${hint ? html`<p class="hint" id=${id + "-hint"}>${hint}</p>` : null}
    ${error ? html`<p class="field-error" id=${id + "-error"}>${error}</p>` : null}
  </div>`;
}

function Steps({ progress }) {
  const done = progress.steps_done || [];
  const current = progress.current || [];
  if (!done.length && !current.length) {
    return html`<p class="state empty">还没有办理环节的记录。</p>`;
  }
  return html`<ol class="steps">
    ${done.map(
      (step) => html`<li class="done">
        <span class="step-name">${step.name}</span>
        <span class="step-meta">${step.unit_name ? step.unit_name + " · " : null}<${Time} value=${step.done_on} /> 办完</span>
      </li>`,
    )}
    ${current.map(
      (step) => html`<li class="current" aria-current="step">
        <span class="step-name">${step.name}</span>
        <span class="step-meta"><span class="now">正在办理</span>${step.unit_name ? " · " + step.unit_name : null}${step.since
          ? html` · <${Time} value=${step.since} /> 起`
          : null}</span>
      </li>`,
    )}
  </ol>`;
}

function Result({ progress }) {
  const heading = useRef(null);
  useEffect(() => {
    if (heading.current) heading.current.focus();
  }, [progress]);
  const missing = progress.missing || [];
  const waiting = progress.waiting || [];
  return html`<section class="card result" aria-labelledby="result-title">
    <h2 id="result-title" tabindex="-1" ref=${heading}>办理进度</h2>
    <p class="item-name">${progress.item_name}</p>
    <p class="status-line">
      <span class=${"tag status " + statusClass(progress)}>${progress.status_name}</span>
      ${progress.overdue ? html`<span class="tag red">已超期</span>` : null}
    </p>
    <dl class="facts">
      <dt>办件编号</dt><dd class="case-number">${progress.case_number}</dd>
      <dt>登记日期</dt><dd><${Time} value=${progress.registered_on} /></dd>
      ${progress.completed_on
        ? html`<dt>办结日期</dt><dd class="completed"><${Time} value=${progress.completed_on} /></dd>`
        : html`<dt>承诺办结</dt><dd class="due">${progress.due_date
            ? html`<${Time} value=${progress.due_date} />${progress.overdue
                ? html`<span class="overdue">已超期</span>`
                : null}`
            : "无期限"}</dd>`}
    </dl>
    ${missing.length
      ? html`<div class="notice warn missing" role="note" aria-labelledby="missing-title">
          <h3 id="missing-title">还缺少的材料</h3>
          <ul>${missing.map((name) => html`<li>${name}</li>`)}</ul>
          <p class="urge">请尽快补交。</p>
        </div>`
      : null}
    ${waiting.length
      ? html`<div class="waiting">
          <h3>正在等待</h3>
          <ul>${waiting.map((w) => html`<li>${w.title || w.name}</li>`)}</ul>
        </div>`
      : null}
    <h3>办理环节</h3>
    <${Steps} progress=${progress} />
  </section>`;
}

function App() {
  const initial = useRef(addressParams()).current;
  const [number, setNumber] = useState(initial.number);
  const [tail, setTail] = useState(initial.tail);
  const [errors, setErrors] = useState({});
  const [summary, setSummary] = useState(false);
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState(null);
  const numberRef = useRef(null);
  const tailRef = useRef(null);
  const outcome = useRef(null);

  useEffect(() => {
    document.title = "办件进度查询";
    // The number came with the address (QR code): the resident types the tail next.
    if (initial.number && tailRef.current) tailRef.current.focus();
  }, []);

  useEffect(() => {
    if (answer && answer.kind !== "found" && answer.kind !== "invalid" && outcome.current) {
      outcome.current.focus();
    }
  }, [answer]);

  const onNumber = (event) => {
    const value = cleanNumber(event.target.value);
    setNumber(value);
    setErrors((old) => ({ ...old, number: numberError(value, false) }));
  };
  const onTail = (event) => {
    const value = cleanTail(event.target.value);
    setTail(value);
    setErrors((old) => ({ ...old, id_tail: tailError(value, false) }));
  };

  const onSubmit = async (event) => {
    event.preventDefault();
    if (busy) return;
    const found = { number: numberError(number, true), id_tail: tailError(tail, true) };
    setErrors(found);
    if (found.number || found.id_tail) {
      setSummary(true);
      setAnswer(null);
      (found.number ? numberRef : tailRef).current.focus();
      return;
    }
    setSummary(false);
    setBusy(true);
    setAnswer(null);
    const result = await lookUp(number, tail);
    setBusy(false);
    setAnswer(result);
    if (result.kind === "invalid") {
      setErrors({ number: result.fields.number || "", id_tail: result.fields.id_tail || "" });
      setSummary(true);
      (result.fields.number ? numberRef : tailRef).current.focus();
    }
    if (result.kind === "found") {
      // The number (never the tail) in the address: the page can be bookmarked.
      window.history.replaceState(null, "", "/progress?number=" + encodeURIComponent(number));
    }
  };

  const listed = [errors.number, errors.id_tail].filter(Boolean);
  return html`<header>
      <h1 id="page-title">办件进度查询</h1>
      <p class="sub">凭受理回执上的办件编号和申请人身份证号码后六位查询，无需登录。</p>
    </header>
    <main id="main">
      <form class="card lookup" novalidate onSubmit=${onSubmit} aria-label="查询办件进度">
        ${summary && listed.length
          ? html`<div class="state error summary" role="alert">
              <p>请先改正以下内容：</p>
              <ul>${listed.map((text) => html`<li>${text}</li>`)}</ul>
            </div>`
          : null}
        <div class="row">
          <${Field} id="number" label="办件编号" hint="受理回执上的编号，全部为数字" error=${errors.number}>
            ${(described) => html`<input
              id="number"
              name="number"
              ref=${numberRef}
              inputmode="numeric"
              autocomplete="off"
              spellcheck="false"
              maxlength="40"
              value=${number}
              onInput=${onNumber}
              aria-invalid=${errors.number ? "true" : "false"}
              aria-describedby=${described || null}
            />`}
          <//>
          <${Field} id="id_tail" label="身份证号码后六位" hint="6 位，数字或字母 X" error=${errors.id_tail}>
            ${(described) => html`<input
              id="id_tail"
              name="id_tail"
              ref=${tailRef}
              autocomplete="off"
              autocapitalize="characters"
              spellcheck="false"
              maxlength="6"
              value=${tail}
              onInput=${onTail}
              aria-invalid=${errors.id_tail ? "true" : "false"}
              aria-describedby=${described || null}
            />`}
          <//>
        </div>
        <button type="submit" class="primary" disabled=${busy}>${busy ? "正在查询…" : "查询进度"}</button>
      </form>
      <div aria-live="polite">
        ${busy ? html`<p class="state loading">正在查询…</p>` : null}
        ${answer && answer.kind === "missing"
          ? html`<div class="state error not-found" tabindex="-1" ref=${outcome}>
              <p><strong>${NOT_FOUND}</strong></p>
              ${answer.detail && answer.detail !== NOT_FOUND ? html`<p class="detail">${answer.detail}</p>` : null}
            </div>`
          : null}
        ${answer && answer.kind === "error"
          ? html`<div class="state error failed" tabindex="-1" ref=${outcome}><p>${answer.message}</p></div>`
          : null}
        ${answer && answer.kind === "invalid" && !answer.fields.number && !answer.fields.id_tail
          ? html`<div class="state error failed"><p>${answer.detail || "查询信息格式不对，请核对后再试。"}</p></div>`
          : null}
      </div>
      ${answer && answer.kind === "found" ? html`<${Result} progress=${answer.progress} />` : null}
    </main>
    <footer><p>只显示办理进度，不显示个人信息。</p></footer>`;
}

const root = document.getElementById("app");
root.textContent = ""; // the loading line the HTML shows until this script runs
render(html`<${App} />`, root);
