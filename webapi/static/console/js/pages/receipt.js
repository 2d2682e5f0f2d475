// 收件回执: what the applicant takes home after registration — case number, item,
// applicant (ID number masked, as the registration answer gives it), materials received,
// what is still to bring (一次性告知), when it was registered and when it is due. Printing
// shows the receipt alone (counter.css, @media print). Below it, not printed, the scans of
// the materials received are uploaded (材料附件, js/parts/attachments.js).
//
// Right after registering, the registration's answer (kept for this tab) gives the masked
// applicant and the due rule; a receipt opened later is rebuilt from the case
// (GET /cases/{id}) and its item's catalogue entry (GET /items/{code}).

import * as api from "../api.js";
import { missingOf, formOf } from "./register.js";
import { Attachments } from "../parts/attachments.js";
import { Loaded, Page, dateTime, day, html, useLoad } from "../ui.js";

// The mask of processes/patterns.mask_id: region code and last four characters visible.
function maskId(value) {
  const text = String(value || "");
  if (text.includes("*")) return text;
  if (text.length <= 10) return "*".repeat(text.length);
  return text.slice(0, 6) + "*".repeat(text.length - 10) + text.slice(-4);
}

function stored(id) {
  try {
    return JSON.parse(sessionStorage.getItem("daiban.receipt." + id) || "null");
  } catch {
    return null;
  }
}

export default function Receipt({ params }) {
  const state = useLoad(async () => {
    const kept = stored(params.id);
    const detail = await api.get(`/cases/${encodeURIComponent(params.id)}`);
    let item = null;
    if (!kept && detail.item_code) item = await api.get(`/items/${encodeURIComponent(detail.item_code)}`);
    return { kept, detail, item };
  }, [params.id]);
  const actions = html`<button type="button" class="primary" id="print-receipt" onClick=${() => window.print()}>打印回执</button>
    <a class="button" href="#/register">继续登记</a>`;
  return html`<${Page} title="收件回执" actions=${actions}>
    <${Loaded} state=${state} loadingText="正在读取回执…">
      ${(data) => html`<${ReceiptSheet} data=${data} />
        <div class="no-print"><${Attachments} caseId=${data.detail.id} /></div>`}
    <//>
  <//>`;
}

function dueText(data) {
  const { kept, detail, item } = data;
  if (detail.due_date) return `${day(detail.due_date)} 前办结`;
  if (kept && kept.due_rule) return kept.due_rule.text;
  if (item) {
    return item.on_the_spot
      ? "即办件：受理后当场办结"
      : `受理之日起 ${item.promised_limit} 个${item.limit_unit_name}内办结`;
  }
  return "以受理通知为准";
}

function ReceiptSheet({ data }) {
  const { kept, detail, item } = data;
  const receipt = kept && kept.receipt;
  const applicant = receipt
    ? receipt.applicant
    : detail.applicant
      ? `${detail.applicant.name}（${detail.applicant.kind === "organisation" ? detail.applicant.uscc : maskId(detail.applicant.id_number)}）`
      : "—";
  const received = receipt ? receipt.materials : detail.materials || [];
  const missing = kept ? kept.missing || [] : item ? missingOf(item.materials, Object.fromEntries(received.map((m) => [m, "received"]))) : [];
  return html`<article class="receipt card" aria-labelledby="receipt-title">
    <header class="receipt-head">
      <h2 id="receipt-title">${detail.township_name || ""}便民服务中心 收件回执</h2>
      <p class="receipt-number">办件编号 <strong id="receipt-case-number">${detail.case_number}</strong></p>
    </header>
    <dl class="facts receipt-facts">
      <dt>办理事项</dt><dd id="receipt-item">${receipt ? receipt.item_name : detail.item_name}</dd>
      <dt>申请人</dt><dd id="receipt-applicant">${applicant}</dd>
      <dt>所在村（社区）</dt><dd>${detail.village_name || detail.village || "—"}</dd>
      <dt>收件时间</dt><dd id="receipt-registered">${dateTime(receipt ? receipt.registered_at : detail.created_at)}</dd>
      <dt>收件渠道</dt><dd>${detail.via_proxy ? "代办（" + (detail.channel === "mobile_post" ? "流动代办" : "村（社区）代办点") + "）" : "乡镇便民服务中心窗口"}</dd>
      <dt>办结时限</dt><dd id="receipt-due">${dueText(data)}</dd>
      <dt>办件状态</dt><dd>${detail.status_name}</dd>
    </dl>
    <h3>已收材料</h3>
    ${received.length
      ? html`<ol class="receipt-materials">${received.map((m) => html`<li>${m}</li>`)}</ol>`
      : html`<p>未收材料。</p>`}
    ${missing.length
      ? html`<section class="receipt-missing">
          <h3>一次性告知：尚需提交的材料</h3>
          <ol>${missing.map((m) => html`<li>${m.name}（${formOf(m)}）${m.tolerated ? "——容缺受理，须在承诺期限内补交" : ""}</li>`)}</ol>
        </section>`
      : null}
    <p class="receipt-note">凭此回执查询办理进度、领取结果。咨询电话请见便民服务中心公示。</p>
    <p class="receipt-sign">
      <span>${kept && kept.registered_by
        ? `收件人：${kept.registered_by}`
        : `收件单位：${detail.via_proxy ? detail.village_name : detail.registered_unit_name || detail.township_name}`}</span>
      <span>申请人（签字）：<span class="blank"></span></span>
    </p>
  </article>`;
}
