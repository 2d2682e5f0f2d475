// The reports of the supervision page (docs/reports.md): the monthly tables as .xlsx or a
// zip of CSV files (GET /reports/monthly), the township ranking of a month, quarter or year
// with its change (GET /reports/ranking, the supervisor only) and the contact card of a
// village (GET /reports/contact-cards/{village}.pdf). Each file is fetched with this tab's
// token and offered as a link to its blob: URL (a[download]); nothing is asked for until
// the person asks.
import * as api from "../api.js";
import { ErrorBox, Field, Loaded, html, percent, useEffect, useLoad, useRef, useState } from "../ui.js";
import { loadUnits } from "../pages/ledger.js";

const FORMATS = [
  ["xlsx", "Excel 工作簿（.xlsx）", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
  ["csv", "CSV 文件（.zip，每表一个文件）", "application/zip"],
];
const MEASURES = [
  ["satisfaction", "满意率"],
  ["on_time", "按期办结率"],
];

// The name the server gives the download (RFC 5987 filename*, else filename).
export function attachmentName(header, fallback) {
  const text = header || "";
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(text);
  if (encoded) {
    try {
      return decodeURIComponent(encoded[1]);
    } catch {
      // a malformed name: the plain one below
    }
  }
  const plain = /filename="([^"]+)"/i.exec(text);
  return plain ? plain[1] : fallback;
}

// GET a file with the token: {url, name, bytes} (the caller revokes the URL).
async function fetchFile(path, query, accept, fallback) {
  const { data, response } = await api.request("GET", path, {
    query,
    blob: true,
    headers: { Accept: accept + ", application/problem+json" },
  });
  return {
    url: URL.createObjectURL(data),
    name: attachmentName(response.headers.get("Content-Disposition"), fallback),
    bytes: data.size,
  };
}

// A download made on request: the file's link once it is ready, focused.
function useFile() {
  const [file, setFile] = useState(null);
  const [busy, setBusy] = useState(null);
  const [failure, setFailure] = useState(null);
  useEffect(() => () => file && URL.revokeObjectURL(file.url), [file]);
  async function make(kind, fetching) {
    setBusy(kind);
    setFailure(null);
    setFile(null);
    try {
      setFile({ kind, ...(await fetching()) });
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(null);
    }
  }
  return { file, busy, failure, make };
}

function Ready({ file, id }) {
  const link = useRef(null);
  useEffect(() => {
    link.current && link.current.focus();
  }, [file]);
  if (!file) return null;
  return html`<p class="report-ready" role="status">
    <a class="button primary" id=${id} ref=${link} href=${file.url} download=${file.name}>下载 ${file.name}</a>
    <span class="muted"> ${(file.bytes / 1024).toFixed(1)} KB</span>
  </p>`;
}

function MonthlyTables({ month, units, supervisor }) {
  const [chosen, setChosen] = useState(month);
  const [township, setTownship] = useState("");
  const [error, setError] = useState(null);
  const { file, busy, failure, make } = useFile();
  useEffect(() => setChosen(month), [month]);
  function download(format, accept) {
    if (!/^\d{4}-\d{2}$/.test(chosen || "")) {
      setError("请选择月份");
      document.getElementById("report-month").focus();
      return;
    }
    setError(null);
    make(format, () => fetchFile("/reports/monthly", { month: chosen, format, township }, accept, `monthly-${chosen}.${format === "csv" ? "zip" : "xlsx"}`));
  }
  return html`<section class="card report-monthly" aria-labelledby="report-monthly-title">
    <h2 id="report-monthly-title">效能监督月报</h2>
    <p class="hint">六张表：全县办件情况（按乡镇）、县级部门办件情况、代办情况（按村、社区）、好差评与整改、问题台账与预警、下放事项与代办事项办件情况；合计行与统计数一致。范围为您可查看的办件。</p>
    <div class="filters">
      <${Field} label="月份" id="report-month" error=${error}>
        ${({ id, described }) => html`<input id=${id} type="month" value=${chosen || ""}
          aria-invalid=${error ? "true" : null} aria-describedby=${described || null}
          onInput=${(e) => setChosen(e.target.value)} />`}
      <//>
      ${supervisor && units.data
        ? html`<${Field} label="乡镇" id="report-township">
            ${({ id }) => html`<select id=${id} value=${township} onChange=${(e) => setTownship(e.target.value)}>
              <option value="">全县</option>
              ${units.data.townships.map((t) => html`<option value=${t.code}>${t.name}</option>`)}
            </select>`}
          <//>`
        : null}
      <div class="field report-buttons">
        ${FORMATS.map(([format, label, accept]) => html`<button type="button" data-format=${format}
          disabled=${busy !== null} onClick=${() => download(format, accept)}>
          ${busy === format ? "正在生成…" : "生成 " + label}</button>`)}
      </div>
    </div>
    ${failure ? html`<${ErrorBox} error=${failure} />` : null}
    <${Ready} file=${file} id="report-monthly-download" />
  </section>`;
}

function Move({ row }) {
  if (row.rank_change === null || row.rank_change === undefined) {
    return html`<span class="delta none">${row.rank === null ? "—" : "上期未排名"}</span>`;
  }
  if (row.rank_change === 0) return html`<span class="delta same">持平</span>`;
  const up = row.rank_change > 0;
  return html`<span class=${"delta " + (up ? "up better" : "down worse")}><span aria-hidden="true">${up ? "↑" : "↓"}</span>${Math.abs(row.rank_change)} 位<span class="visually-hidden">（${up ? "名次上升" : "名次下降"}，上期第 ${row.previous_rank} 名）</span></span>`;
}

function FigureChange({ value }) {
  if (value === null || value === undefined) return html`<span class="delta none">—</span>`;
  const points = (Math.abs(value) * 100).toFixed(1);
  if (points === "0.0") return html`<span class="delta same">持平</span>`;
  const up = value > 0;
  return html`<span class=${"delta " + (up ? "up better" : "down worse")}><span aria-hidden="true">${up ? "↑" : "↓"}</span>${points} 个百分点<span class="visually-hidden">${up ? "（上升）" : "（下降）"}</span></span>`;
}

function RankingTable({ data }) {
  const measure = data.measure_name;
  return html`<div class="table-wrap"><table class="list stack ranking" id="report-ranking">
    <caption class="visually-hidden">乡镇${measure}排名（${data.period}），与上期（${data.previous_period}）比较</caption>
    <thead><tr><th scope="col">名次</th><th scope="col">乡镇</th><th scope="col" class="num">${measure}</th>
      <th scope="col" class="num">件数</th><th scope="col">名次变化</th><th scope="col">${measure}变化</th></tr></thead>
    <tbody>${data.rows.map(
      (r) => html`<tr data-unit=${r.unit} data-rank=${r.rank === null ? "" : r.rank}>
        <td data-label="名次" class="rank">${r.rank === null ? "未排名" : `第 ${r.rank} 名`}</td>
        <th scope="row" data-label="乡镇">${r.name}${r.few_cases
          ? html` <span class="tag yellow few-cases" title=${`件数少于 ${data.min_cases}，不参加排名`}>件数少</span>`
          : null}</th>
        <td data-label=${measure} class="num figure">${percent(r.figure)}</td>
        <td data-label="件数" class="num">${r.cases}</td>
        <td data-label="名次变化" class="move"><${Move} row=${r} /></td>
        <td data-label=${measure + "变化"} class="figure-change"><${FigureChange} value=${r.figure_change} /></td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}

function Ranking({ month }) {
  const [draft, setDraft] = useState({ period: month, measure: "satisfaction", min_cases: "5" });
  const [asked, setAsked] = useState(draft);
  const [errors, setErrors] = useState({});
  const state = useLoad(() => api.get("/reports/ranking", asked), [asked]);
  useEffect(() => {
    if (state.error && state.error.status === 422) setErrors(state.error.fields || {});
  }, [state.error]);
  function submit(event) {
    event.preventDefault();
    const found = {};
    if (!/^\d{4}(-\d{2}|-[Qq][1-4])?$/.test(draft.period.trim())) found.period = "请填写月份 2026-11、季度 2026-Q4 或年份 2026";
    const least = Number(draft.min_cases);
    if (!Number.isInteger(least) || least < 1 || least > 10000) found.min_cases = "请填写 1 至 10000 的整数";
    setErrors(found);
    if (Object.keys(found).length) {
      document.getElementById(found.period ? "ranking-period" : "ranking-min").focus();
      return;
    }
    setAsked({ ...draft, period: draft.period.trim() });
  }
  const input = (name, label, hint, extra = {}) => html`<${Field} label=${label} id=${extra.id} hint=${hint} error=${errors[name]}>
    ${({ id, described }) => html`<input id=${id} value=${draft[name]} inputmode=${extra.inputmode || null}
      aria-invalid=${errors[name] ? "true" : null} aria-describedby=${described || null}
      onInput=${(e) => setDraft({ ...draft, [name]: e.target.value })} />`}
  <//>`;
  return html`<section class="card report-ranking" aria-labelledby="report-ranking-title">
    <h2 id="report-ranking-title">乡镇排名通报</h2>
    <p class="hint">按满意率（群众本人评价）或按期办结率排名，与上一月、季度或年度比较；件数不足的乡镇列在最后，标“件数少”，不参加排名。</p>
    <form class="filters" onSubmit=${submit} novalidate aria-label="排名条件">
      ${input("period", "统计期", "如 2026-11、2026-Q4、2026", { id: "ranking-period" })}
      <${Field} label="排名指标" id="ranking-measure">
        ${({ id }) => html`<select id=${id} value=${draft.measure}
          onChange=${(e) => setDraft({ ...draft, measure: e.target.value })}>
          ${MEASURES.map(([code, name]) => html`<option value=${code}>${name}</option>`)}
        </select>`}
      <//>
      ${input("min_cases", "最少件数", null, { id: "ranking-min", inputmode: "numeric" })}
      <div class="field"><button type="submit" class="primary">排名</button></div>
    </form>
    <${Loaded} state=${state} loadingText="正在排名…">
      ${(data) => html`<p class="muted" id="ranking-period-line">统计期 ${data.period}（${data.from} 至 ${data.to}），与上期 ${data.previous_period} 比较；${data.measure_name}件数至少 ${data.min_cases} 件参加排名。</p>
        <${RankingTable} data=${data} />`}
    <//>
  </section>`;
}

function ContactCards({ units }) {
  const [village, setVillage] = useState("");
  const [error, setError] = useState(null);
  const { file, busy, failure, make } = useFile();
  function download(event) {
    event.preventDefault();
    if (!village) {
      setError("请选择村（社区）");
      document.getElementById("card-village").focus();
      return;
    }
    setError(null);
    make("pdf", () => fetchFile(`/reports/contact-cards/${encodeURIComponent(village)}.pdf`, {}, "application/pdf", `contact-card-${village}.pdf`));
  }
  return html`<section class="card report-cards" aria-labelledby="report-cards-title">
    <h2 id="report-cards-title">代办服务联系卡</h2>
    <p class="hint">每个村（社区）一页 A4：代办员及顶岗代办员电话、乡镇窗口电话、可代办事项、投诉电话和办件进度查询二维码，张贴于代办点或打印发放到户。</p>
    <${Loaded} state=${units} loadingText="正在读取村（社区）名单…">
      ${(found) => html`<form class="filters" onSubmit=${download} novalidate aria-label="联系卡">
        <${Field} label="村（社区）" id="card-village" error=${error}>
          ${({ id, described }) => html`<select id=${id} value=${village} aria-invalid=${error ? "true" : null}
            aria-describedby=${described || null} onChange=${(e) => setVillage(e.target.value)}>
            <option value="">请选择…</option>
            ${found.townships.map((t) => html`<optgroup label=${t.name}>
              ${found.villages.filter((v) => v.township === t.code).map((v) => html`<option value=${v.code}>${v.name}</option>`)}
            </optgroup>`)}
          </select>`}
        <//>
        <div class="field"><button type="submit" disabled=${busy !== null}>${busy ? "正在生成…" : "生成联系卡（PDF）"}</button></div>
      </form>`}
    <//>
    ${failure ? html`<${ErrorBox} error=${failure} />` : null}
    <${Ready} file=${file} id="report-card-download" />
  </section>`;
}

// The reports section of the supervision page; ``month`` is the page's month (YYYY-MM).
export function Reports({ user, month }) {
  const supervisor = user.roles.includes("supervisor");
  const units = useLoad(() => loadUnits(user), []);
  return html`<section class="reports" aria-labelledby="reports-title">
    <h2 id="reports-title" class="section-title">报表</h2>
    <div class="report-grid">
      <${MonthlyTables} month=${month} units=${units} supervisor=${supervisor} />
      <${ContactCards} units=${units} />
    </div>
    ${supervisor ? html`<${Ranking} month=${month} />` : null}
  </section>`;
}
