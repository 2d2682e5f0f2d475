// 文书: the documents of a case (GET /cases/{id}/documents) with 打印 and 下载 for each one
// that has reached its step. A document is fetched with this tab's bearer token
// (GET /cases/{id}/documents/{document_id}, application/pdf; the first fetch issues it
// into the case's history) and handed to the browser as a blob: URL — a plain link to the
// API would carry no token. 打印 opens it in a new tab (the browser's PDF viewer prints
// it), 下载 saves it under its name. The case page renders it:
// <CaseDocuments caseId=${id} version=${detail.version} />.

import * as api from "../api.js";
import { ErrorBox, Loading, dateTime, html, notify, useEffect, useLoad, useState } from "../ui.js";

// The file name the API gives (Content-Disposition: filename*=UTF-8''…), else the id.
function fileName(response, fallback) {
  const header = response.headers.get("Content-Disposition") || "";
  const match = /filename\*=UTF-8''([^;]+)/i.exec(header);
  return match ? decodeURIComponent(match[1]) : fallback;
}

async function fetchDocument(caseId, documentId) {
  const answer = await api.request("GET", `/cases/${caseId}/documents/${documentId}`, {
    headers: { Accept: "application/pdf" },
    blob: true,
  });
  const pdf = new Blob([answer.data], { type: "application/pdf" });
  return { url: URL.createObjectURL(pdf), name: fileName(answer.response, `${documentId}.pdf`) };
}

function Row({ caseId, entry, onIssued }) {
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(null);
  useEffect(() => () => saved && URL.revokeObjectURL(saved.url), [saved]);
  async function take(open) {
    // A tab opened after the await would be a blocked pop-up: open it now, fill it later.
    const tab = open ? window.open("", "_blank") : null;
    setBusy(true);
    try {
      const file = await fetchDocument(caseId, entry.document_id);
      setSaved(file);
      if (tab) tab.location.href = file.url;
      else {
        const link = document.createElement("a");
        link.href = file.url;
        link.download = file.name;
        document.body.append(link);
        link.click();
        link.remove();
      }
      if (!entry.issued) onIssued();
    } catch (error) {
      if (tab) tab.close();
      notify(error.message, "error");
    } finally {
      setBusy(false);
    }
  }
  const issued = entry.issued;
  return html`<tr data-kind=${entry.kind}>
    <th scope="row">${entry.title}</th>
    <td>
      ${!entry.available
        ? html`<span class="muted">尚未到出具环节</span>`
        : issued
          ? html`已出具 <time datetime=${issued.at}>${dateTime(issued.at)}</time>（${issued.by_name || issued.by}）`
          : "可打印（首次打印即出具，记入办理记录）"}
    </td>
    <td class="no-print">
      ${entry.available
        ? html`<button type="button" disabled=${busy} onClick=${() => take(true)}>打印</button>
            <button type="button" disabled=${busy} onClick=${() => take(false)}>下载</button>
            ${saved ? html`<a class="document-link" href=${saved.url} download=${saved.name}>${saved.name}</a>` : null}`
        : null}
    </td>
  </tr>`;
}

export function CaseDocuments({ caseId, version }) {
  const loaded = useLoad(() => api.get(`/cases/${caseId}/documents`), [caseId, version]);
  let body;
  if (loaded.error) body = html`<${ErrorBox} error=${loaded.error} retry=${loaded.reload} />`;
  else if (!loaded.data) body = html`<${Loading} text="正在读取文书…" />`;
  else
    body = html`<table class="list documents">
      <thead><tr><th scope="col">文书</th><th scope="col">状态</th><th scope="col" class="no-print">打印 / 下载</th></tr></thead>
      <tbody>
        ${loaded.data.documents.map(
          (entry) =>
            html`<${Row} key=${entry.kind + (entry.document_id || "")} caseId=${caseId} entry=${entry} onIssued=${loaded.reload} />`,
        )}
      </tbody>
    </table>`;
  return html`<section class="card case-documents" aria-labelledby="case-documents-title">
    <h2 id="case-documents-title">文书</h2>
    <p class="no-print">受理、补正、不予受理等通知书及回执、委托书、交接单：按办理环节生成，页脚印有办理进度查询二维码；同一文书每次打印内容相同。</p>
    ${body}
  </section>`;
}
