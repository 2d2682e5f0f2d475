// 办件登记: a village agent (村代办点), mobile agent (流动代办) or window clerk (乡镇窗口,
// 全县域通办) registers a case for a resident: find the item (GET /items?q=, then
// GET /items/{code} for its materials and limits), the applicant (the ID number checked
// as typed, GB 11643), the materials checklist (已收 / 未带 / 容缺 where the catalogue
// allows it) with the one-time notice (一次性告知) of what is missing, printable; then
// POST /cases with an Idempotency-Key (one random key per form: a double click or a
// retry after a lost answer makes one case) and on to the receipt (#/receipt/{id}).

import * as api from "../api.js";
import { ErrorSummary, fieldId, idNumberProblem, serverErrors } from "../parts/form.js";
import { Empty, ErrorBox, Loading, Page, html, navigate, notify, useEffect, useRef, useState } from "../ui.js";

// The channel each role registers through (processes/channels.py).
const CHANNELS = [
  ["village_agent", "village_point", "村（社区）代办点"],
  ["mobile_agent", "mobile_post", "流动代办"],
  ["township_window", "township_window", "乡镇便民服务中心窗口"],
  ["park_window", "industrial_park_window", "工业园小窗口"],
  ["county_officer", "county_centre", "县政务服务中心"],
];
const PROXY = ["village_point", "mobile_post"];
const PREFIX = "reg";
const FIELD_LABELS = {
  item_code: "事项",
  channel: "收件渠道",
  "applicant.name": "申请人姓名",
  "applicant.id_number": "公民身份号码",
  "applicant.phone": "联系电话",
  "applicant.address": "住址",
  "applicant.village": "所在村（社区）",
  materials: "收件材料",
  agent: "代办员",
  emergency: "急事急办",
};
const STATES = { received: "已收", missing: "未带", tolerated: "容缺" };
const PHONE = /^(?:1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})$/;

// A key no other form of this tab (or any tab) will use: 128 random bits, in hex.
function newKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function channelsOf(user) {
  return CHANNELS.filter(([role]) => user.roles.includes(role)).map(([, code, name]) => ({ code, name }));
}

// What to tell the applicant to bring (一次性告知): the required materials not received,
// and those accepted missing on a pledge (容缺).
export function missingOf(materials, states) {
  return materials
    .filter((m) => states[m.name] !== "received" && (m.required || states[m.name] === "tolerated"))
    .map((m) => ({ ...m, tolerated: states[m.name] === "tolerated" }));
}

export default function Register({ user }) {
  const channels = channelsOf(user);
  const [channel, setChannel] = useState(channels.length ? channels[0].code : "");
  const [item, setItem] = useState(null); // the chosen item's catalogue entry
  const [applicant, setApplicant] = useState({ name: "", id_number: "", phone: "", address: "", village: "" });
  const [states, setStates] = useState({});
  const [emergency, setEmergency] = useState(false);
  const [errors, setErrors] = useState({});
  const [summary, setSummary] = useState({});
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(newKey());

  if (!channels.length) {
    return html`<${Page} title="办件登记">
      <${Empty}><p>您的岗位不办理收件登记。群众办件请到村（社区）代办点或乡镇便民服务中心窗口。</p><//>
    <//>`;
  }

  function choose(entry) {
    setItem(entry);
    setStates(Object.fromEntries(entry.materials.map((m) => [m.name, "missing"])));
    setErrors((e) => ({ ...e, item_code: undefined, materials: undefined }));
  }
  function setField(name, value) {
    setApplicant((a) => ({ ...a, [name]: value }));
    if (name === "id_number") {
      const text = value.trim();
      setErrors((e) => ({ ...e, "applicant.id_number": text.length === 18 ? idNumberProblem(text) : undefined }));
    }
  }
  function leave(name) {
    const value = applicant[name].trim();
    let problem;
    if (name === "id_number" && value) problem = idNumberProblem(value);
    if (name === "phone" && value && !PHONE.test(value)) problem = "应为 11 位手机号或 0818-1234567 式座机号";
    if (name === "name" && !value) problem = "必填";
    setErrors((e) => ({ ...e, ["applicant." + name]: problem }));
  }

  async function submit(event) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setFailure(null);
    const body = {
      item_code: item ? item.code : "",
      applicant: {
        name: applicant.name.trim(),
        id_number: applicant.id_number.trim().toUpperCase(),
        phone: applicant.phone.trim() || null,
        address: applicant.address.trim() || null,
        village: applicant.village,
      },
      channel,
      materials: item ? item.materials.filter((m) => states[m.name] === "received").map((m) => m.name) : [],
      emergency,
    };
    if (PROXY.includes(channel)) body.agent = user.id;
    try {
      const { data } = await api.request("POST", "/cases", { body, headers: { "Idempotency-Key": key.current } });
      try {
        sessionStorage.setItem(
          "daiban.receipt." + data.id,
          JSON.stringify({ ...data, missing: missingOf(item.materials, states), registered_by: user.name }),
        );
      } catch {
        // storage full or off: the receipt page reads the case instead
      }
      key.current = newKey();
      notify(`已登记：${data.case_number}`);
      navigate(`/receipt/${data.id}`);
    } catch (error) {
      if (error.status === 422) {
        const found = serverErrors(error.problem, Object.keys(FIELD_LABELS));
        setErrors(found);
        setSummary(found);
      } else {
        setFailure(error);
      }
    } finally {
      setBusy(false);
    }
  }

  const agentOnly = PROXY.includes(channel) && item && !item.proxy_allowed;
  const missing = item ? missingOf(item.materials, states) : [];
  return html`<${Page} title="办件登记">
    <form class="register" onSubmit=${submit} novalidate aria-describedby="register-intro">
      <p id="register-intro" class="intro">
        收件渠道：${channels.length > 1
          ? html`<select id=${fieldId(PREFIX, "channel")} aria-label="收件渠道" value=${channel}
              onChange=${(e) => setChannel(e.target.value)}>
              ${channels.map((c) => html`<option value=${c.code}>${c.name}</option>`)}
            </select>`
          : html`<strong>${channels[0].name}</strong>`}
        ，登记人 ${user.name}（${user.org_unit_name || user.org_unit}）。带 <span class="required">*</span> 的为必填项。
      </p>
      <${ErrorSummary} errors=${summary} labels=${FIELD_LABELS} prefix=${PREFIX} focus=${true} />
      ${failure ? html`<${ErrorBox} error=${failure} />` : null}
      ${errors.channel && !summary.channel ? html`<p class="field-error">${errors.channel}</p>` : null}

      <${ItemPicker} item=${item} choose=${choose} clear=${() => setItem(null)} channel=${channel}
        error=${errors.item_code} />
      ${agentOnly
        ? html`<p class="notice warn" role="alert">该事项不在代办服务范围内，不能在代办点登记：请告知申请人到乡镇便民服务中心窗口办理。</p>`
        : null}

      <fieldset class="card register-applicant">
        <legend><span class="step">2</span> 申请人</legend>
        <${TextField} name="name" label="姓名" required value=${applicant.name} error=${errors["applicant.name"]}
          set=${setField} leave=${leave} maxlength="50" autocomplete="off" />
        <${TextField} name="id_number" label="公民身份号码" required value=${applicant.id_number}
          error=${errors["applicant.id_number"]} set=${setField} leave=${leave} maxlength="18"
          hint=${applicant.id_number.trim().length === 18 && !errors["applicant.id_number"]
            ? "号码校验通过（位数、出生日期、校验码）"
            : `18 位，末位为校验码（0–9 或 X）；已输入 ${applicant.id_number.trim().length} 位`} />
        <${TextField} name="phone" label="联系电话" value=${applicant.phone} error=${errors["applicant.phone"]}
          set=${setField} leave=${leave} maxlength="20" type="tel" hint="11 位手机号，或 0818-1234567 式座机号" />
        <${TextField} name="address" label="住址" value=${applicant.address} error=${errors["applicant.address"]}
          set=${setField} leave=${leave} maxlength="200" />
        <${VillageField} user=${user} channel=${channel} value=${applicant.village}
          set=${(v) => setField("village", v)} error=${errors["applicant.village"]} />
      </fieldset>

      ${item
        ? html`<${Materials} item=${item} states=${states} setStates=${setStates} error=${errors.materials} missing=${missing}
            applicant=${applicant} user=${user} />`
        : null}

      <fieldset class="card register-submit">
        <legend><span class="step">4</span> 登记</legend>
        <label class="check">
          <input type="checkbox" id=${fieldId(PREFIX, "emergency")} checked=${emergency}
            onChange=${(e) => setEmergency(e.target.checked)} />
          急事急办（当日移交、优先办理）
        </label>
        <p>
          <button type="submit" class="primary" id="register-submit" disabled=${busy || agentOnly}>
            ${busy ? "正在登记…" : "登记并出具回执"}
          </button>
        </p>
      </fieldset>
    </form>
  <//>`;
}

function TextField({ name, label, required, value, error, hint, set, leave, type, maxlength, autocomplete }) {
  const id = fieldId(PREFIX, "applicant." + name);
  const described = [hint ? id + "-hint" : null, error ? id + "-error" : null].filter(Boolean).join(" ") || null;
  return html`<div class=${"field" + (error ? " invalid" : "")}>
    <label for=${id}>${label}${required ? html`<span class="required" aria-hidden="true"> *</span>` : null}</label>
    <input id=${id} type=${type || "text"} value=${value} maxlength=${maxlength} autocomplete=${autocomplete || "off"}
      aria-required=${required ? "true" : null} aria-invalid=${error ? "true" : null} aria-describedby=${described}
      onInput=${(e) => set(name, e.target.value)}
      onBlur=${(e) => !(e.relatedTarget && e.relatedTarget.type === "submit") && leave(name)} />
    ${hint ? html`<p class="hint" id=${id + "-hint"} aria-live="polite">${hint}</p>` : null}
    ${error ? html`<p class="field-error" id=${id + "-error"} role="alert">${error}</p>` : null}
  </div>`;
}

function ItemPicker({ item, choose, clear, channel, error }) {
  const [text, setText] = useState("");
  const [found, setFound] = useState(null);
  const [loading, setLoading] = useState(false);
  const [failure, setFailure] = useState(null);
  const id = fieldId(PREFIX, "item_code");

  async function search(event) {
    if (event) event.preventDefault();
    const q = text.trim();
    if (!q) return;
    setLoading(true);
    setFailure(null);
    try {
      setFound(await api.get("/items", { q, page_size: 50 }));
    } catch (failed) {
      setFailure(failed);
    } finally {
      setLoading(false);
    }
  }
  async function pick(summary) {
    setLoading(true);
    setFailure(null);
    try {
      choose(await api.get(`/items/${encodeURIComponent(summary.code)}`));
    } catch (failed) {
      setFailure(failed);
    } finally {
      setLoading(false);
    }
  }

  if (item) {
    return html`<fieldset class="card register-item">
      <legend><span class="step">1</span> 事项</legend>
      <p class="chosen-item"><strong>${item.name}</strong>（${item.code}，${item.department}）
        <button type="button" class="link" onClick=${clear}>更换事项</button></p>
      <dl class="facts">
        <dt>承诺时限</dt>
        <dd>${item.on_the_spot ? "即办件（受理后当场办结）" : `受理之日起 ${item.promised_limit} 个${item.limit_unit_name}内办结`}</dd>
        <dt>办理层级</dt><dd>${item.decided_at_name}</dd>
        <dt>代办</dt><dd>${item.proxy.allowed ? "可代办" + (item.proxy.urgent ? "（急事急办）" : "") : "不可代办，须到窗口办理"}</dd>
        ${item.fees ? html`<dt>收费</dt><dd>${item.fees}</dd>` : null}
        ${item.conditions.length ? html`<dt>受理条件</dt><dd>${item.conditions.join("；")}</dd>` : null}
      </dl>
    </fieldset>`;
  }
  const agent = PROXY.includes(channel);
  return html`<fieldset class=${"card register-item" + (error ? " invalid" : "")}>
    <legend><span class="step">1</span> 事项<span class="required" aria-hidden="true"> *</span></legend>
    <div class="field item-search">
      <label for=${id}>查找事项</label>
      <div class="inline">
        <input id=${id} type="search" value=${text} maxlength="50" autocomplete="off"
          aria-invalid=${error ? "true" : null} aria-describedby=${id + "-hint" + (error ? " " + id + "-error" : "")}
          onInput=${(e) => setText(e.target.value)}
          onKeyDown=${(e) => { if (e.key === "Enter") search(e); }} />
        <button type="button" id="item-search" onClick=${search} disabled=${loading}>查找</button>
      </div>
      <p class="hint" id=${id + "-hint"}>输入事项名称、编码或县级部门，如“高龄津贴”“MZ004”“民政”。</p>
      ${error ? html`<p class="field-error" id=${id + "-error"}>${error}</p>` : null}
    </div>
    ${loading ? html`<${Loading} text="正在查找…" />` : null}
    ${failure ? html`<${ErrorBox} error=${failure} retry=${search} />` : null}
    ${found && !loading
      ? found.items.length
        ? html`<ul class="item-results" aria-label="查找结果">
            ${found.items.map((i) => html`<li key=${i.code}>
              <span class="item-name">${i.name}</span>
              <span class="sub">${i.code} · ${i.department} · ${i.kind_name}${i.on_the_spot ? " · 即办件" : ""}</span>
              ${agent && !i.proxy_allowed
                ? html`<span class="tag">不可代办，须到窗口</span>`
                : html`<button type="button" class="choose" data-code=${i.code} aria-label=${"选择 " + i.name}
                    onClick=${() => pick(i)}>选择</button>`}
            </li>`)}
          </ul>
          ${found.total > found.items.length ? html`<p class="hint">共 ${found.total} 项，只列出前 ${found.items.length} 项：请输入更多文字缩小范围。</p>` : null}`
        : html`<${Empty}><p>没有找到“${text}”。请换个说法，或输入事项编码、部门名称。</p><//>`
      : null}
  </fieldset>`;
}

// The applicant's village: a village agent's own; a mobile agent's township's villages; a
// window any village of the county (全县域通办), its own township's first.
function VillageField({ user, channel, value, set, error }) {
  const id = fieldId(PREFIX, "applicant.village");
  const [units, setUnits] = useState(null);
  const [failure, setFailure] = useState(null);
  const own = channel === "village_point";
  useEffect(() => {
    if (own) {
      set(user.org_unit);
      return;
    }
    let live = true;
    const query = channel === "mobile_post" ? { kind: "village", within: user.org_unit } : { kind: "village" };
    api.get("/units", query).then(
      (found) => live && setUnits(found.items),
      (failed) => live && setFailure(failed),
    );
    return () => {
      live = false;
    };
  }, [channel]);
  const described = error ? id + "-error" : null;
  if (own) {
    return html`<div class="field">
      <label for=${id}>所在村（社区）</label>
      <input id=${id} value=${user.org_unit_name || user.org_unit} readonly aria-describedby=${id + "-hint"} />
      <p class="hint" id=${id + "-hint"}>代办点只为本村（社区）居民登记。</p>
    </div>`;
  }
  if (failure) return html`<${ErrorBox} error=${failure} />`;
  const groups = [];
  for (const unit of units || []) {
    let group = groups.find((g) => g.code === unit.township);
    if (!group) groups.push((group = { code: unit.township, name: unit.township_name, units: [] }));
    group.units.push(unit);
  }
  groups.sort((a, b) => (b.code === user.org_unit) - (a.code === user.org_unit));
  return html`<div class=${"field" + (error ? " invalid" : "")}>
    <label for=${id}>所在村（社区）<span class="required" aria-hidden="true"> *</span></label>
    <select id=${id} aria-required="true" aria-invalid=${error ? "true" : null} aria-describedby=${described}
      disabled=${!units} onChange=${(e) => set(e.target.value)}>
      <option value="" selected=${!value}>${units ? "请选择" : "正在读取…"}</option>
      ${groups.map((g) => html`<optgroup label=${g.name}>
        ${g.units.map((u) => html`<option value=${u.code} selected=${value === u.code}>${g.name} ${u.name}</option>`)}
      </optgroup>`)}
    </select>
    ${error ? html`<p class="field-error" id=${id + "-error"}>${error}</p>` : null}
  </div>`;
}

function Materials({ item, states, setStates, error, missing, applicant, user }) {
  const id = fieldId(PREFIX, "materials");
  function mark(name, state) {
    setStates((s) => ({ ...s, [name]: state }));
  }
  function printNotice() {
    document.body.classList.add("printing-notice");
    window.print();
    document.body.classList.remove("printing-notice");
  }
  return html`<fieldset class=${"card register-materials" + (error ? " invalid" : "")} aria-describedby=${error ? id + "-error" : null}>
    <legend><span class="step">3</span> 收件材料</legend>
    ${item.materials.length
      ? html`<p class="no-print"><button type="button" id=${id} onClick=${() =>
          setStates(Object.fromEntries(item.materials.map((m) => [m.name, "received"])))}>全部已收</button></p>
        <table class="list stack materials">
          <caption class="visually-hidden">申请材料清单：逐项选择已收、未带或容缺</caption>
          <thead><tr><th scope="col">材料</th><th scope="col">要求</th><th scope="col">收件情况</th></tr></thead>
          <tbody>
            ${item.materials.map((m, i) => html`<tr key=${m.name} data-material=${m.name}>
              <td data-label="材料"><span id=${`mat-${i}-name`}>${m.name}</span>
                ${m.required ? html`<span class="tag">必交</span>` : html`<span class="tag">选交</span>`}</td>
              <td data-label="要求">${formOf(m)}${m.copies > 1 ? ` ${m.copies} 份` : ""}${m.check ? html`<span class="sub">${m.check}</span>` : null}</td>
              <td data-label="收件情况">
                <div class="choices" role="radiogroup" aria-labelledby=${`mat-${i}-name`}>
                  ${["received", "missing", ...(m.tolerable ? ["tolerated"] : [])].map((state) => html`<label class="choice-option">
                    <input type="radio" name=${`mat-${i}`} value=${state} checked=${states[m.name] === state}
                      onChange=${() => mark(m.name, state)} />
                    <span>${STATES[state]}</span>
                  </label>`)}
                </div>
              </td>
            </tr>`)}
          </tbody>
        </table>`
      : html`<p>该事项无需提交申请材料。</p>`}
    ${error ? html`<p class="field-error" id=${id + "-error"}>${error}</p>` : null}
    ${missing.length
      ? html`<section class="one-time-notice" aria-labelledby="notice-title">
          <h3 id="notice-title">一次性告知单</h3>
          <p>${applicant.name || "申请人"}：您申请办理“${item.name}”，尚需提交以下材料，请一次备齐：</p>
          <ol>
            ${missing.map((m) => html`<li>${m.name}（${formOf(m)}${m.copies > 1 ? `，${m.copies} 份` : ""}）
              ${m.tolerated ? "——容缺受理：可先受理，须在承诺期限内补交" : ""}</li>`)}
          </ol>
          <p class="sub">告知单位：${user.org_unit_name || user.org_unit}　告知人：${user.name}</p>
          <p class="no-print"><button type="button" id="print-notice" onClick=${printNotice}>打印一次性告知单</button></p>
        </section>`
      : null}
  </fieldset>`;
}

export function formOf(material) {
  return { original: "原件", copy: "复印件", original_and_copy: "原件及复印件", electronic: "电子材料" }[material.form] || material.form;
}
