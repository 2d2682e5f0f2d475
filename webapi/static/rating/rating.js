// 办事评价: the resident rates a case through its one-time link, with no account. The
// link is /rating#<token>: the token is in the fragment, which the browser never sends to
// a server (no access log sees it); this page reads it and asks the public API only
// (GET and POST /api/v1/public/ratings/{token}, no Authorization header). One rating per
// case: a used or unknown link gets one answer.
import { html, render, useState, useEffect, useRef } from "/console/vendor/htm-preact.module.js";

const API = "/api/v1/public/ratings/";
const LEVELS = [
  [5, "非常满意"],
  [4, "满意"],
  [3, "基本满意"],
  [2, "不满意"],
  [1, "非常不满意"],
];
const REASONS = [
  ["slow", "办理时间长"],
  ["many_trips", "多次跑腿"],
  ["attitude", "服务态度不好"],
  ["unclear", "告知不清楚、不一次性"],
  ["materials", "要求的材料多"],
  ["result", "对办理结果不满意"],
  ["other", "其他"],
];
const USED = "评价链接无效或已使用：每件办件只能评价一次。";
const TOKEN_RE = /^[A-Za-z0-9_-]{16,128}$/;

function day(value) {
  if (!value) return "";
  const [y, m, d] = value.split("-").map(Number);
  return `${y}年${m}月${d}日`;
}

async function call(token, body) {
  let response;
  try {
    response = await fetch(API + encodeURIComponent(token), {
      method: body ? "POST" : "GET",
      headers: body
        ? { Accept: "application/json", "Content-Type": "application/json" }
        : { Accept: "application/json" },
      body: body ? JSON.stringify(body) : undefined,
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    return { kind: "error", message: "网络连接失败，请检查网络后再试。" };
  }
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    answer = null;
  }
  if (response.ok && answer) return { kind: "ok", body: answer };
  if (response.status === 404) return { kind: "used", message: USED };
  if (response.status === 409) {
    return { kind: "closed", message: (answer && answer.detail) || "该办件已不能评价。" };
  }
  if (response.status === 422) {
    const fields = {};
    for (const error of (answer && answer.errors) || []) {
      const name = (error.field || "").split(".")[0];
      if (name && !(name in fields)) fields[name] = error.reason || error.message || "有误";
    }
    return { kind: "invalid", fields, message: (answer && answer.detail) || "" };
  }
  if (response.status === 429) return { kind: "error", message: "请求过于频繁，请稍后再试。" };
  return { kind: "error", message: "评价暂时无法提交，请稍后再试。" };
}

function Subject({ subject }) {
  return html`<section class="card subject" aria-labelledby="subject-title">
    <h2 id="subject-title">您要评价的办件</h2>
    <p class="item-name">${subject.item_name || subject.item_code}</p>
    <dl class="facts">
      <dt>承办单位</dt><dd class="unit">${subject.unit_name || "—"}</dd>
      <dt>登记日期</dt><dd><time datetime=${subject.registered_on}>${day(subject.registered_on)}</time></dd>
      <dt>办件编号</dt><dd class="case-number">${subject.case_number}</dd>
    </dl>
  </section>`;
}

function Choice({ type, name, value, checked, onChange, children }) {
  return html`<label class=${"choice" + (checked ? " checked" : "")}>
    <input type=${type} name=${name} value=${value} checked=${checked} onChange=${onChange} />
    ${children}
  </label>`;
}

function RatingForm({ token, onDone }) {
  const [level, setLevel] = useState(null);
  const [reasons, setReasons] = useState([]);
  const [comment, setComment] = useState("");
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState("");
  const bad = level !== null && level <= 2;

  const toggle = (code) => {
    setReasons((old) => (old.includes(code) ? old.filter((c) => c !== code) : [...old, code]));
    setErrors((old) => ({ ...old, reasons: "" })); // answered: the reminder goes
  };

  const onSubmit = async (event) => {
    event.preventDefault();
    if (busy) return;
    const found = {};
    if (level === null) found.level = "请选择一个评价等级";
    if (bad && !reasons.length) found.reasons = "不满意时请至少选择一项原因";
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    setFailure("");
    const result = await call(token, { level, reasons: bad ? reasons : [], comment });
    setBusy(false);
    if (result.kind === "ok") onDone({ kind: "thanks", receipt: result.body });
    else if (result.kind === "invalid") {
      setErrors(result.fields);
      setFailure(result.message);
    } else if (result.kind === "error") setFailure(result.message);
    else onDone(result);
  };

  return html`<form class="card rate" novalidate onSubmit=${onSubmit} aria-label="评价办件">
    <fieldset aria-describedby=${errors.level ? "level-error" : null}>
      <legend>您对这次办事满意吗？<span class="required" aria-hidden="true"> *</span></legend>
      <div class="levels">
        ${LEVELS.map(
          ([score, name]) => html`<${Choice}
            type="radio"
            name="level"
            value=${score}
            checked=${level === score}
            onChange=${() => setLevel(score)}
            ><span class="score" aria-hidden="true">${score}</span> ${name}<//
          >`,
        )}
      </div>
      ${errors.level ? html`<p class="field-error" id="level-error">${errors.level}</p>` : null}
    </fieldset>
    ${bad
      ? html`<fieldset class="bad" aria-describedby=${errors.reasons ? "reasons-error" : null}>
          <legend>不满意的原因（可多选）<span class="required" aria-hidden="true"> *</span></legend>
          <div class="reasons">
            ${REASONS.map(
              ([code, name]) => html`<${Choice}
                type="checkbox"
                name="reasons"
                value=${code}
                checked=${reasons.includes(code)}
                onChange=${() => toggle(code)}
                >${name}<//
              >`,
            )}
          </div>
          ${errors.reasons ? html`<p class="field-error" id="reasons-error">${errors.reasons}</p>` : null}
        </fieldset>`
      : null}
    <div class="field">
      <label for="comment">意见或建议（选填）</label>
      <textarea id="comment" name="comment" maxlength="2000" value=${comment} onInput=${(e) => setComment(e.target.value)}></textarea>
    </div>
    ${failure ? html`<div class="state error" role="alert"><p>${failure}</p></div>` : null}
    <button type="submit" class="primary" disabled=${busy}>${busy ? "正在提交…" : "提交评价"}</button>
  </form>`;
}

function Outcome({ state }) {
  const heading = useRef(null);
  useEffect(() => {
    if (heading.current) heading.current.focus();
  }, [state]);
  if (state.kind === "thanks") {
    return html`<section class="card thanks" aria-labelledby="outcome-title">
      <h2 id="outcome-title" tabindex="-1" ref=${heading}>评价已提交</h2>
      <p>您的评价：<strong class="level-name">${state.receipt.level_name}</strong></p>
      <p>${state.receipt.message}</p>
    </section>`;
  }
  return html`<div class="state error outcome" role="alert">
    <h2 id="outcome-title" tabindex="-1" ref=${heading}>不能评价</h2>
    <p>${state.message}</p>
  </div>`;
}

function App() {
  const token = useRef(decodeURIComponent(window.location.hash.replace(/^#/, ""))).current;
  const [state, setState] = useState(
    TOKEN_RE.test(token) ? { kind: "loading" } : { kind: "used", message: "评价链接不完整：请扫描办结通知书上的二维码，或打开短信中的完整链接。" },
  );

  useEffect(() => {
    document.title = "办事评价";
    if (state.kind !== "loading") return;
    call(token).then((result) =>
      setState(result.kind === "ok" ? { kind: "form", subject: result.body } : result),
    );
  }, []);

  return html`<header>
      <h1>办事评价</h1>
      <p class="sub">请对这次办事作出评价（好差评），每件办件只能评价一次。</p>
    </header>
    <main id="main">
      <div aria-live="polite">
        ${state.kind === "loading" ? html`<p class="state loading">正在加载…</p>` : null}
      </div>
      ${state.kind === "form"
        ? html`<${Subject} subject=${state.subject} /><${RatingForm} token=${token} onDone=${setState} />`
        : null}
      ${state.kind !== "loading" && state.kind !== "form" ? html`<${Outcome} state=${state} />` : null}
    </main>
    <footer><p>评价只用于改进服务，不需要填写个人信息。</p></footer>`;
}

const root = document.getElementById("app");
root.textContent = "";
render(html`<${App} />`, root);
