// 数据导出: the case histories as an XES or OCEL 2.0 event log (GET /audit/export.xes,
// /audit/export.ocel.json) with the API's filters (registered from/to, item, township,
// village), fetched with this tab's token and offered as a file (object URL + a[download]).
import * as api from "../api.js";
import { ErrorBox, Field, Page, html, today, useEffect, useLoad, useRef, useState } from "../ui.js";
import { UnitSelects, loadItems, loadUnits } from "./ledger.js";

const FORMATS = {
  xes: {
    path: "/audit/export.xes",
    accept: "application/xml",
    type: "application/xml",
    extension: "xes",
    name: "XES 事件日志",
    about: "IEEE 1849 XES：ProM、PM4Py、Disco 等流程挖掘工具可直接打开；每个办件一条轨迹。",
  },
  ocel: {
    path: "/audit/export.ocel.json",
    accept: "application/json",
    type: "application/json",
    extension: "ocel.json",
    name: "OCEL 2.0 对象中心事件日志",
    about: "OCEL 2.0 JSON：事件关联到办件、任务、经办人、单位与事项，适合对象中心的流程挖掘。",
  },
};

// daiban-<from>-<to>.xes: the period in the name (the whole history when none is given).
export function fileName(filter, extension) {
  if (!filter.from && !filter.to) return `daiban-all.${extension}`;
  return `daiban-${filter.from || "start"}-${filter.to || today()}.${extension}`;
}

function size(bytes) {
  if (bytes < 1024) return `${bytes} 字节`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// What the file holds, counted where it is cheap: XES by its tags, OCEL by its lists.
function counted(format, text) {
  if (format === "xes") {
    return {
      cases: (text.match(/<trace>/g) || []).length,
      events: (text.match(/<event>/g) || []).length,
    };
  }
  try {
    const log = JSON.parse(text);
    const objects = Array.isArray(log.objects) ? log.objects : [];
    return {
      cases: objects.filter((o) => o.type === "办件").length, // engine/exports/ocel.py CASE
      events: Array.isArray(log.events) ? log.events.length : null,
    };
  } catch {
    return { cases: null, events: null };
  }
}

function firstOfMonth() {
  return today().slice(0, 8) + "01";
}

export default function Exports({ user }) {
  const [filter, setFilter] = useState(() => ({ from: firstOfMonth(), to: today() }));
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(null);
  const [file, setFile] = useState(null);
  const link = useRef(null);
  const units = useLoad(() => loadUnits(user), []);
  const items = useLoad(() => loadItems(), []);

  useEffect(() => () => file && URL.revokeObjectURL(file.url), [file]);
  useEffect(() => {
    if (file && link.current) link.current.focus();
  }, [file]);

  async function make(format) {
    const found = {};
    if (filter.from && filter.to && filter.to < filter.from) found.to = "止日不能早于起日";
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length) {
      document.getElementById("export-to").focus();
      return;
    }
    const spec = FORMATS[format];
    const query = {};
    for (const name of ["from", "to", "item", "township", "village"]) if (filter[name]) query[name] = filter[name];
    setBusy(format);
    setFile(null);
    try {
      const { data } = await api.request("GET", spec.path, {
        query,
        text: true,
        headers: { Accept: spec.accept + ", application/problem+json" },
      });
      const blob = new Blob([data], { type: spec.type });
      setFile({
        format,
        url: URL.createObjectURL(blob),
        name: fileName(query, spec.extension),
        bytes: blob.size,
        ...counted(format, data),
      });
    } catch (error) {
      const fields = error.fields || {};
      if (error.status === 422 && Object.keys(fields).length) setErrors(fields);
      else setFailure(error);
    } finally {
      setBusy(null);
    }
  }

  const dateInput = (name, label) => html`<${Field} label=${label} id=${"export-" + name} error=${errors[name]}>
    ${({ id, described }) => html`<input id=${id} type="date" value=${filter[name] || ""}
      aria-invalid=${errors[name] ? "true" : null} aria-describedby=${described || null}
      onInput=${(e) => setFilter({ ...filter, [name]: e.target.value })} />`}
  <//>`;
  const summary = Object.values(errors);
  return html`<${Page} title="数据导出"><div class="sv">
    <p>导出办件的完整办理记录，供流程挖掘与效能分析。范围与办件查询相同：效能监督人员为全县。按登记日期筛选；不填起止日期则导出全部。</p>
    <form class="card filters export-filters" onSubmit=${(e) => {
      e.preventDefault();
      make("xes");
    }} novalidate aria-label="导出条件">
      ${summary.length ? html`<div class="state error form-summary" role="alert"><p><strong>导出条件有误：</strong>${summary.join("；")}</p></div>` : null}
      ${dateInput("from", "登记日期起")}
      ${dateInput("to", "登记日期止")}
      <${Field} label="事项" id="export-item" error=${errors.item}>
        ${({ id, described }) => html`<select id=${id} value=${filter.item || ""} aria-describedby=${described || null}
          aria-invalid=${errors.item ? "true" : null}
          onChange=${(e) => setFilter({ ...filter, item: e.target.value })}>
          <option value="">全部事项</option>
          ${(items.data || []).map((item) => html`<option value=${item.code}>${item.code} ${item.name}</option>`)}
        </select>`}
      <//>
      ${units.data
        ? html`<${UnitSelects} units=${units.data} filters=${{ township: true, village: true }} value=${filter}
            prefix="export" errors=${errors} onChange=${(changed) => setFilter({ ...filter, ...changed })} />`
        : null}
    </form>
    ${units.error || items.error
      ? html`<p class="notice warn">事项或乡镇、村（社区）名单暂时读不到，可先不按它们筛选。</p>`
      : null}
    <div class="export-formats">
      ${Object.entries(FORMATS).map(([format, spec]) => html`<section class="card export-format" aria-labelledby=${"format-" + format}>
        <h2 id=${"format-" + format}>${spec.name}</h2>
        <p class="hint">${spec.about}</p>
        <button type="button" class="primary" data-format=${format} disabled=${busy !== null}
          onClick=${() => make(format)}>${busy === format ? "正在生成…" : `生成 ${spec.extension.toUpperCase()} 文件`}</button>
      </section>`)}
    </div>
    ${busy ? html`<p class="state loading" role="status"><span class="spinner" aria-hidden="true"></span>正在生成${FORMATS[busy].name}，办件多时需要一些时间…</p>` : null}
    ${failure ? html`<${ErrorBox} error=${failure} retry=${() => setFailure(null)} />` : null}
    ${file
      ? html`<section class="card export-ready" aria-labelledby="export-ready-title" role="status">
          <h2 id="export-ready-title">文件已生成</h2>
          <p><a class="button primary" id="export-download" ref=${link} href=${file.url} download=${file.name}>下载 ${file.name}</a></p>
          <dl class="facts">
            <dt>大小</dt><dd id="export-size">${size(file.bytes)}</dd>
            ${file.cases !== null ? html`<dt>办件数</dt><dd id="export-cases">${file.cases}</dd>` : null}
            ${file.events !== null ? html`<dt>事件数</dt><dd id="export-events">${file.events}</dd>` : null}
          </dl>
          ${file.events === 0 ? html`<p class="notice info">没有符合条件的办件：文件中只有表头。可放宽筛选条件后重新生成。</p>` : null}
        </section>`
      : null}
  </div><//>`;
}
