// 材料附件: the scans of a case (GET /cases/{id}/attachments), opened through the API with
// this tab's bearer token (fetch → blob → object URL: an <img> for a picture, links to
// open or save a PDF), and an upload control (POST /cases/{id}/attachments, multipart) for who may
// attach. The case page and the receipt shown right after registration render it:
// <Attachments caseId=${id} onChange=${fn} />; onChange() after each upload (the case's
// history has a new event).
//
// Who may open a scan is the API's decision: a list item with `withheld` has no link
// (the county's supervisor sees the list only).

import * as api from "../api.js";
import { ErrorBox, Field, Loading, dateTime, html, notify, useEffect, useLoad, useRef, useState } from "../ui.js";

const TYPES = { "application/pdf": "PDF", "image/jpeg": "JPEG 图片", "image/png": "PNG 图片" };
const ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png";

export function fileSize(bytes) {
  if (bytes >= 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + " MB";
  if (bytes >= 1024) return Math.round(bytes / 1024) + " KB";
  return bytes + " 字节";
}

// The file behind an API link (`/api/v1/...`) as a Blob, with the session's token (a
// plain link could not carry it).
async function fetchBlob(href) {
  const { data } = await api.request("GET", href.replace(/^\/api\/v1/, ""), { blob: true });
  return data;
}

export function Attachments({ caseId, onChange }) {
  const loaded = useLoad(() => api.get(`/cases/${caseId}/attachments`), [caseId]);
  const [shown, setShown] = useState(null); // {id, url, media_type, material}
  const [failure, setFailure] = useState(null);
  useEffect(() => () => shown && URL.revokeObjectURL(shown.url), [shown]);

  async function open(item) {
    setFailure(null);
    try {
      const blob = await fetchBlob(item.href);
      setShown({ ...item, url: URL.createObjectURL(blob) });
    } catch (error) {
      setFailure(error);
    }
  }

  if (loaded.loading && !loaded.data) return html`<section class="card case-attachments"><${Loading} text="正在读取材料附件…" /></section>`;
  if (loaded.error) return html`<section class="card case-attachments"><${ErrorBox} error=${loaded.error} retry=${loaded.reload} /></section>`;
  const data = loaded.data;
  const uploaded = () => {
    loaded.reload();
    onChange && onChange();
  };
  return html`<section class="card case-attachments" aria-labelledby="attachments-title">
    <h2 id="attachments-title">材料附件（${data.items.length} 个扫描件）</h2>
    ${data.items.length
      ? html`<table class="list stack attachments">
          <thead><tr><th scope="col">材料</th><th scope="col">类型</th><th scope="col">大小</th><th scope="col">上传</th><th scope="col">备注</th><th scope="col"><span class="visually-hidden">查看</span></th></tr></thead>
          <tbody>
            ${data.items.map((item) => html`<tr key=${item.id} data-attachment=${item.id}>
              <td data-label="材料">${item.material}</td>
              <td data-label="类型">${TYPES[item.media_type] || item.media_type}</td>
              <td data-label="大小">${fileSize(item.size)}</td>
              <td data-label="上传">${item.added_by_name}${item.added_by_unit ? "（" + item.added_by_unit + "）" : ""} ${dateTime(item.added_at)}</td>
              <td data-label="备注">${item.note || "—"}</td>
              <td>${item.withheld
                ? html`<span class="hint">无权查看</span>`
                : html`<button type="button" class="link" onClick=${() => open(item)}
                    aria-label=${"查看 " + item.name}>查看</button>`}</td>
            </tr>`)}
          </tbody>
        </table>`
      : html`<p>还没有扫描件。</p>`}
    ${data.items.some((item) => item.withheld)
      ? html`<p class="hint">扫描件含申请人的证件等个人材料，只有办理该办件的人员可以查看。</p>`
      : null}
    ${failure ? html`<${ErrorBox} error=${failure} />` : null}
    ${shown ? html`<${Opened} shown=${shown} onClose=${() => setShown(null)} />` : null}
    ${data.may_attach ? html`<${Upload} caseId=${caseId} data=${data} onDone=${uploaded} />` : null}
  </section>`;
}

// The opened scan: a picture shown below the list; a PDF as links (a tab opened by the
// page itself after the download would be a pop-up, which browsers block), both from
// the blob: URL, so the file is never fetched again without the token.
function Opened({ shown, onClose }) {
  const pdf = shown.media_type === "application/pdf";
  return html`<figure class="attachment-preview" aria-label=${"扫描件：" + shown.material}>
    ${pdf ? null : html`<img src=${shown.url} alt=${"扫描件：" + shown.material} />`}
    <figcaption>${shown.name}
      ${pdf ? html`<a class="button" href=${shown.url} target="_blank" rel="noopener">在新标签页打开</a>` : null}
      <a class="button" href=${shown.url} download=${shown.name}>下载</a>
      <button type="button" onClick=${onClose}>关闭</button>
    </figcaption>
  </figure>`;
}

function Upload({ caseId, data, onDone }) {
  const [material, setMaterial] = useState(data.materials[0] || "");
  const [note, setNote] = useState("");
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);
  const input = useRef(null);

  async function submit(event) {
    event.preventDefault();
    const files = Array.from((input.current && input.current.files) || []);
    const found = {};
    if (!files.length) found.file = "请选择要上传的扫描件";
    const large = files.find((f) => f.size > data.max_bytes);
    if (large) found.file = `“${large.name}”超过 ${fileSize(data.max_bytes)} 的上限`;
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length) return;
    setBusy(true);
    let done = 0;
    try {
      for (const file of files) {
        const form = new FormData();
        form.append("material", material);
        if (note.trim()) form.append("note", note.trim());
        form.append("file", file, file.name);
        await api.request("POST", `/cases/${caseId}/attachments`, { body: form });
        done += 1;
      }
      notify(`已上传 ${done} 个扫描件：${material}`);
      input.current.value = "";
      setNote("");
    } catch (error) {
      if (error.status === 422 && error.fields.material) setErrors({ material: error.fields.material });
      else setFailure(error);
    } finally {
      setBusy(false);
      if (done) onDone();
    }
  }

  return html`<form class="attachment-upload no-print" onSubmit=${submit} novalidate aria-labelledby="attachment-upload-title">
    <h3 id="attachment-upload-title">上传扫描件</h3>
    ${failure ? html`<${ErrorBox} error=${failure} />` : null}
    <${Field} label="材料" required id="attachment-material" error=${errors.material}>
      <select id="attachment-material" value=${material} onChange=${(e) => setMaterial(e.target.value)}>
        ${data.materials.map((name) => html`<option key=${name} value=${name}>${name}</option>`)}
      </select>
    <//>
    <${Field} label="扫描件" required id="attachment-file" error=${errors.file}
      hint=${`PDF、JPEG 或 PNG，每个不超过 ${fileSize(data.max_bytes)}；可选多个，都记为所选材料。图片的拍摄位置等信息在保存前去除。`}>
      <input id="attachment-file" type="file" ref=${input} accept=${ACCEPT} multiple
        aria-describedby="attachment-file-hint" />
    <//>
    <${Field} label="备注" id="attachment-note" hint="如“第 2 页”“复印件”；记入办件历史，请勿填写身份证号等个人信息">
      <input id="attachment-note" type="text" maxlength="200" value=${note} onInput=${(e) => setNote(e.target.value)} />
    <//>
    <button type="submit" class="primary" disabled=${busy}>${busy ? "正在上传…" : "上传"}</button>
  </form>`;
}
