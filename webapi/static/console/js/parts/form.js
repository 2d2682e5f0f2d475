// A form drawn from a JSON Schema: the task forms (GET /tasks/{id} → form) and the
// message payloads (the OpenAPI document's *Message components).
//
// Why our own renderer and not react-jsonschema-form, JSON Forms or their peers: those need
// React and a bundler (the console has no build step and runs Preact from one vendored
// module), they bring their own widgets and styles (inline styles break the strict
// policy), and daiban's dialect is small and fixed — an object of scalar fields with
// Chinese title/description, choices as `oneOf` of `{const, title}` (or `enum` with
// `x-enum-descriptions` in the message schemas), `allOf` of `if`/`then` for fields
// required when another field has one of some values, the formats date / cn-phone /
// cn-id-number / cn-uscc, bounds (minimum, maximum, minLength, maxLength, maxItems),
// arrays of short texts, and the `x-daiban-rules` cross-field checks. This file renders
// exactly that, and nothing else.
//
// The server validates with the very same document and lists every error at once (422
// `errors[]`: field + Chinese reason); that answer is what the page shows after a submit.
// The checks here only help while typing: a field is checked when the person leaves it.

import { html, useEffect, useRef, useState } from "../ui.js";

// ------------------------------------------------------------------ the dialect

// A property's choices as [{value, label}] (oneOf const/title, or enum + descriptions).
export function choicesOf(property) {
  if (Array.isArray(property.oneOf) && property.oneOf.every((o) => "const" in o)) {
    return property.oneOf.map((o) => ({ value: o.const, label: o.title || String(o.const) }));
  }
  if (Array.isArray(property.enum)) {
    const names = property["x-enum-descriptions"] || [];
    return property.enum.map((value, i) => ({ value, label: names[i] || String(value) }));
  }
  return null;
}

export function titleOf(property, name) {
  return property.title || property["x-title"] || name;
}

// Does `data` satisfy an `if` of the dialect ({properties: {f: {enum|const}}, required})?
function holds(condition, data) {
  for (const name of condition.required || []) {
    if (!present(data[name])) return false;
  }
  for (const [name, rule] of Object.entries(condition.properties || {})) {
    if (!present(data[name])) continue;
    const value = data[name];
    if (Array.isArray(rule.enum) && !rule.enum.includes(value)) return false;
    if ("const" in rule && rule.const !== value) return false;
  }
  return true;
}

function present(value) {
  return value !== undefined && value !== null && value !== "";
}

// Which fields are shown and which are required, given what has been entered so far.
// A field that the schema requires only under a condition (`allOf` `if`/`then`) is shown,
// with its *, while its condition holds; otherwise it is still allowed (optional), so it
// waits folded under 「其他选填项」 (`optional`) rather than being taken away.
export function layout(schema, data) {
  const properties = schema.properties || {};
  const always = new Set(schema.required || []);
  const conditional = new Set();
  const requiredNow = new Set(always);
  for (const part of schema.allOf || []) {
    const wanted = (part.then && part.then.required) || [];
    wanted.forEach((name) => conditional.add(name));
    if (part.if && holds(part.if, data)) wanted.forEach((name) => requiredNow.add(name));
  }
  const shown = Object.keys(properties).filter(
    (name) => always.has(name) || !conditional.has(name) || requiredNow.has(name),
  );
  const optional = Object.keys(properties).filter((name) => !shown.includes(name));
  return { shown, optional, required: requiredNow };
}

// ------------------------------------------------------------------ checks as typed

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";

// GB 11643: why an 18-character citizen ID number is wrong, in Chinese; null if right.
export function idNumberProblem(text) {
  const value = String(text || "").trim().toUpperCase();
  if (!value) return null;
  if (value.length !== 18) return `应为 18 位（现为 ${value.length} 位）`;
  if (!/^[0-9]{17}[0-9X]$/.test(value)) return "前 17 位应为数字，末位为数字或 X";
  const year = Number(value.slice(6, 10));
  const month = Number(value.slice(10, 12));
  const dayOf = Number(value.slice(12, 14));
  const born = new Date(Date.UTC(year, month - 1, dayOf));
  if (
    year < 1800 || year > 2099 ||
    born.getUTCFullYear() !== year || born.getUTCMonth() !== month - 1 || born.getUTCDate() !== dayOf
  ) {
    return `出生日期 ${value.slice(6, 14)} 不是有效日期`;
  }
  let total = 0;
  for (let i = 0; i < 17; i++) total += Number(value[i]) * ID_WEIGHTS[i];
  const expected = ID_CHECK[total % 11];
  if (expected !== value[17]) return `校验码不符：按前 17 位，末位应为 ${expected}（GB 11643）`;
  return null;
}

const USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function usccProblem(text) {
  const value = String(text || "").trim();
  if (!value) return null;
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(value)) {
    return "统一社会信用代码应为 18 位（字母大写，不含 I、O、S、V、Z）";
  }
  let total = 0;
  for (let i = 0; i < 17; i++) total += USCC_ALPHABET.indexOf(value[i]) * USCC_WEIGHTS[i];
  const expected = USCC_ALPHABET[(31 - (total % 31)) % 31];
  return expected === value[17] ? null : `校验码不符：末位应为 ${expected}（GB 32100-2015）`;
}

function dateProblem(value) {
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(value)) return "应为日期（YYYY-MM-DD）";
  const [y, m, d] = value.split("-").map(Number);
  const found = new Date(Date.UTC(y, m - 1, d));
  return found.getUTCFullYear() === y && found.getUTCMonth() === m - 1 && found.getUTCDate() === d
    ? null
    : "不是有效日期";
}

function matches(pattern, value) {
  try {
    return new RegExp(pattern, "u").test(value);
  } catch {
    return true; // a pattern this browser cannot read: the server decides
  }
}

// Why one entered value is wrong for its property (Chinese), or null. `raw` is what the
// control holds (text for inputs, a boolean for 是/否, an array for lists).
export function problemOf(property, raw, required) {
  if (!present(raw) || (Array.isArray(raw) && !raw.length)) return required ? "必填" : null;
  const choices = choicesOf(property);
  if (choices) {
    return choices.some((c) => c.value === raw) ? null : "取值应为：" + choices.map((c) => c.label).join("、");
  }
  if (property.type === "boolean") return typeof raw === "boolean" ? null : "应为是或否";
  if (property.type === "integer" || property.type === "number") {
    const text = String(raw).trim();
    const shape = property.type === "integer" ? /^-?[0-9]+$/ : /^-?[0-9]+(\.[0-9]+)?$/;
    if (!shape.test(text)) return property.type === "integer" ? "应为整数" : "应为数字";
    const number = Number(text);
    if (property.minimum !== undefined && number < property.minimum) return `不能小于 ${property.minimum}`;
    if (property.maximum !== undefined && number > property.maximum) return `不能大于 ${property.maximum}`;
    return null;
  }
  if (property.type === "array") {
    if (property.maxItems !== undefined && raw.length > property.maxItems) return `最多 ${property.maxItems} 项`;
    const item = property.items || {};
    for (const entry of raw) {
      const found = problemOf(item, entry, true);
      if (found) return `“${entry.slice(0, 20)}”：${found}`;
    }
    return null;
  }
  const value = String(raw);
  if (property.maxLength !== undefined && [...value].length > property.maxLength) {
    return `过长（最多 ${property.maxLength} 字）`;
  }
  if (property.minLength !== undefined && [...value].length < property.minLength) return "必填";
  if (property.format === "cn-id-number") {
    const found = idNumberProblem(value);
    if (found) return "公民身份号码不正确：" + found;
  }
  if (property.format === "cn-uscc") return usccProblem(value);
  if (property.format === "date") {
    const found = dateProblem(value);
    if (found) return found;
  }
  if (property.pattern && !matches(property.pattern, value)) {
    if (property.format === "cn-phone") return "电话号码格式不正确：11 位手机号，或带区号的固定电话";
    if (property.format === "cn-id-number") return "公民身份号码不正确";
    return "含有不能保存的字符";
  }
  return null;
}

// The payload to send: the fields that have a value (folded ones included), as the schema
// types them (a number that does not parse is sent as typed: the server names the error).
export function collect(schema, data) {
  const { shown, optional } = layout(schema, data);
  const properties = schema.properties || {};
  const payload = {};
  for (const name of [...shown, ...optional]) {
    const property = properties[name];
    const raw = data[name];
    if (!present(raw) || (Array.isArray(raw) && !raw.length)) continue;
    if ((property.type === "integer" || property.type === "number") && !choicesOf(property)) {
      const text = String(raw).trim();
      payload[name] = /^-?[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : text;
    } else if (property.type === "string" && typeof raw === "string" && !choicesOf(property)) {
      payload[name] = property.format === "cn-id-number" || property.format === "cn-uscc" ? raw.trim().toUpperCase() : raw;
    } else {
      payload[name] = raw;
    }
  }
  return payload;
}

// The cross-field rules (x-daiban-rules) whose two fields are both valid numbers/dates
// (ne also two texts: two officers who must be different people).
function ruleProblems(schema, data) {
  const found = {};
  const tests = { lt: (a, b) => a < b, le: (a, b) => a <= b, gt: (a, b) => a > b, ge: (a, b) => a >= b, ne: (a, b) => a !== b };
  const payload = collect(schema, data);
  for (const rule of schema["x-daiban-rules"] || []) {
    const [a, b] = rule.fields || [];
    const test = tests[rule.check];
    if (!test || !(a in payload) || !(b in payload)) continue;
    const x = payload[a];
    const y = payload[b];
    if (typeof x !== typeof y || (typeof x === "string" && rule.check !== "ne" && !/^\d{4}-\d{2}-\d{2}$/.test(x))) continue;
    if (!test(x, y)) found[a] = rule.message;
  }
  return found;
}

// Every problem the page can see now, by field; the server checks again.
export function checkAll(schema, data) {
  const { shown, optional, required } = layout(schema, data);
  const found = {};
  for (const name of [...shown, ...optional]) {
    const problem = problemOf(schema.properties[name], data[name], required.has(name));
    if (problem) found[name] = problem;
  }
  for (const [name, message] of Object.entries(ruleProblems(schema, data))) {
    if (!(name in found)) found[name] = message;
  }
  return found;
}

// The server's 422 errors by field (the first reason per field; "materials.0" and
// "materials[0]" belong to the field "materials"); errors of no known field under "".
export function serverErrors(problem, names) {
  const found = {};
  for (const error of (problem && problem.errors) || []) {
    const field = String(error.field || "");
    const name = names.find((n) => field === n || field.startsWith(n + ".") || field.startsWith(n + "[")) || "";
    const reason = error.reason || error.message || "不正确";
    if (!(name in found)) found[name] = name ? reason : (field ? `${field}：${reason}` : reason);
  }
  // in the order of the form's fields (as the person reads them), the others last
  const rank = (name) => (names.includes(name) ? names.indexOf(name) : names.length);
  return Object.fromEntries(Object.entries(found).sort(([a], [b]) => rank(a) - rank(b)));
}

// ------------------------------------------------------------------ rendering

export function fieldId(prefix, name) {
  return `${prefix}-${name}`.replace(/[^A-Za-z0-9_-]/g, "_");
}

// The summary of every error at the top of a form: announced, each linked to its field.
export function ErrorSummary({ errors, labels, prefix, focus }) {
  const ref = useRef(null);
  const entries = Object.entries(errors || {});
  useEffect(() => {
    if (focus && entries.length && ref.current) ref.current.focus();
  }, [errors, focus]);
  if (!entries.length) return null;
  function jump(event, name) {
    event.preventDefault(); // the address's fragment is the router's, not an anchor
    const target = document.getElementById(fieldId(prefix, name)) ||
      document.querySelector(`[data-field="${fieldId(prefix, name)}"] input`);
    if (target) target.focus();
  }
  return html`<div class="error-summary" role="alert" tabindex="-1" ref=${ref}>
    <h2>提交未成功：有 ${entries.length} 处需要修改</h2>
    <ul>
      ${entries.map(([name, reason]) =>
        name
          ? html`<li><a href=${"#" + fieldId(prefix, name)} onClick=${(e) => jump(e, name)}>${(labels && labels[name]) || name}：${reason}</a></li>`
          : html`<li>${reason}</li>`,
      )}
    </ul>
  </div>`;
}

// One control per shown field of `schema`; `data` holds what is entered (raw), `errors`
// the reasons beside the fields. onChange(name, raw) on every change; onLeave(name) when
// the person leaves a field (to check it).
export function SchemaFields({ schema, data, errors, prefix, onChange, onLeave, disabled }) {
  const { shown, optional, required } = layout(schema, data);
  const control = (name) =>
    html`<${Control}
      key=${name}
      name=${name}
      property=${schema.properties[name]}
      value=${data[name]}
      required=${required.has(name)}
      error=${errors && errors[name]}
      prefix=${prefix}
      onChange=${onChange}
      onLeave=${onLeave}
      disabled=${disabled}
    />`;
  // A folded field with an error or a value opens its fold, so nothing typed is out of sight.
  const open = optional.some((name) => (errors && errors[name]) || present(data[name]));
  return html`${shown.map(control)}
    ${optional.length
      ? html`<details class="more-fields" open=${open}>
          <summary>其他选填项（${optional.length}）</summary>
          ${optional.map(control)}
        </details>`
      : null}`;
}

function Control({ name, property, value, required, error, prefix, onChange, onLeave, disabled }) {
  const id = fieldId(prefix, name);
  const hintId = id + "-hint";
  const errorId = id + "-error";
  const described = [property.description ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || null;
  const label = titleOf(property, name);
  const star = required ? html`<span class="required" aria-hidden="true"> *</span>` : null;
  const hint = property.description ? html`<p class="hint" id=${hintId}>${property.description}</p>` : null;
  const problem = error ? html`<p class="field-error" id=${errorId}>${error}</p>` : null;
  const common = {
    "aria-invalid": error ? "true" : null,
    "aria-describedby": described,
    "aria-required": required ? "true" : null,
    disabled,
  };
  const choices = choicesOf(property);
  // Checked when the person leaves the field — unless for the submit button: the check
  // would move the button under the pointer, and the server's answer comes anyway.
  const leave = (event) => {
    const next = event && event.relatedTarget;
    if (next && next.type === "submit") return;
    if (onLeave) onLeave(name);
  };

  if (choices || property.type === "boolean") {
    const options = choices || [
      { value: true, label: "是" },
      { value: false, label: "否" },
    ];
    if (options.length <= 6) {
      return html`<fieldset class=${"field choice" + (error ? " invalid" : "")} data-field=${id}
          aria-describedby=${described}>
        <legend>${label}${star}</legend>
        <div class="choices">
          ${options.map(
            (option, i) => html`<label class="choice-option">
              <input type="radio" name=${id} id=${i === 0 ? id : `${id}-${i}`} value=${String(option.value)}
                checked=${value === option.value} disabled=${disabled}
                aria-invalid=${error ? "true" : null}
                onChange=${() => onChange(name, option.value)} onBlur=${leave} />
              <span>${option.label}</span>
            </label>`,
          )}
        </div>
        ${hint}${problem}
      </fieldset>`;
    }
    return html`<div class=${"field" + (error ? " invalid" : "")}>
      <label for=${id}>${label}${star}</label>
      <select id=${id} ...${common} onChange=${(e) => onChange(name, e.target.value === "" ? "" : options[Number(e.target.value)].value)} onBlur=${leave}>
        <option value="">请选择</option>
        ${options.map((option, i) => html`<option value=${String(i)} selected=${value === option.value}>${option.label}</option>`)}
      </select>
      ${hint}${problem}
    </div>`;
  }

  if (property.type === "array") {
    const text = Array.isArray(value) ? value.join("\n") : value || "";
    return html`<div class=${"field" + (error ? " invalid" : "")}>
      <label for=${id}>${label}${star}<span class="label-note">（每行一项）</span></label>
      <textarea id=${id} rows="3" ...${common} value=${text}
        onInput=${(e) => onChange(name, e.target.value.split("\n").map((s) => s.trim()).filter(Boolean))}
        onBlur=${leave}></textarea>
      ${hint}${problem}
    </div>`;
  }

  const numeric = property.type === "integer" || property.type === "number";
  const long = property.type === "string" && (property.maxLength || 0) > 500 && !property.format;
  let control;
  if (long) {
    control = html`<textarea id=${id} rows="3" maxlength=${property.maxLength} ...${common}
      value=${value || ""} onInput=${(e) => onChange(name, e.target.value)} onBlur=${leave}></textarea>`;
  } else {
    const type = property.format === "date" ? "date" : property.format === "cn-phone" ? "tel" : "text";
    control = html`<input id=${id} type=${type} ...${common}
      inputmode=${numeric ? (property.type === "integer" ? "numeric" : "decimal") : null}
      maxlength=${property.format === "cn-id-number" || property.format === "cn-uscc" ? 18 : (property.maxLength || null)}
      autocomplete="off"
      value=${value === undefined || value === null ? "" : String(value)}
      onInput=${(e) => onChange(name, e.target.value)} onBlur=${leave} />`;
  }
  return html`<div class=${"field" + (error ? " invalid" : "")}>
    <label for=${id}>${label}${star}</label>
    ${control}
    ${hint}${problem}
  </div>`;
}

// The labels of a schema's fields by name (for the summary).
export function labelsOf(schema) {
  return Object.fromEntries(Object.entries(schema.properties || {}).map(([n, p]) => [n, titleOf(p, n)]));
}

// The state of a form drawn from `schema`: what is typed, the errors beside the fields
// (checked as a field is left; on submit the server's 422 answer, which is the truth), the
// summary at the top, a failure that is no field's, and `submit`, which sends
// `collect(schema, data)` through `send` (an async function; its errors are shown).
export function useSchemaForm(schema, send) {
  const [data, setData] = useState({});
  const latest = useRef(data);
  latest.current = data;
  const [errors, setErrors] = useState({});
  const [summary, setSummary] = useState({});
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);

  function change(name, raw) {
    setData((current) => ({ ...current, [name]: raw }));
  }
  function leave(name) {
    const found = checkAll(schema, latest.current);
    setErrors((shown) => {
      const next = { ...shown };
      if (found[name]) next[name] = found[name];
      else delete next[name];
      return next;
    });
  }
  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      await send(collect(schema, latest.current));
      setErrors({});
      setSummary({});
    } catch (error) {
      if (error.status === 422) {
        const found = serverErrors(error.problem, Object.keys(schema.properties || {}));
        setErrors(found);
        setSummary(found);
      } else {
        setSummary({});
        setFailure(error);
      }
    } finally {
      setBusy(false);
    }
  }
  return { data, errors, summary, failure, setFailure, busy, setBusy, change, leave, submit };
}
