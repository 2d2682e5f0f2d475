// 流程定义 (designer): the deployed processes (GET /definitions, paged, searched), and the
// upload of BPMN files: a dry run first (POST /definitions?dry_run=true) listing the lint
// problems per file and line, then the deploy itself (the same request without dry_run).
import * as api from "../api.js";
import {
  Empty,
  Field,
  Loaded,
  Page,
  Pager,
  dateTime,
  html,
  notify,
  routeQuery,
  setRouteQuery,
  useLoad,
  useRef,
  useState,
} from "../ui.js";

const PAGE_SIZE = 20;

export default function Definitions({ user }) {
  const [query, setQuery] = useState(() => {
    const q = routeQuery();
    return { q: q.q || "", page: Math.max(1, Number(q.page) || 1) };
  });
  const list = useLoad(
    () => api.get("/definitions", { q: query.q || undefined, page: query.page, page_size: PAGE_SIZE }),
    [query.q, query.page],
  );
  function change(next) {
    const merged = { ...query, ...next };
    setRouteQuery({ q: merged.q, page: merged.page > 1 ? merged.page : "" });
    setQuery(merged);
  }
  function search(event) {
    event.preventDefault();
    const text = String(new FormData(event.target).get("q") || "").trim();
    change({ q: text, page: 1 });
  }
  const designer = user.roles.includes("designer");
  return html`<${Page} title="流程定义">
    ${designer
      ? html`<${Upload} onDeployed=${list.reload} />`
      : html`<p class="notice info">只有流程设计员可以上传、部署流程；您可以查看已部署的流程及其流程图。</p>`}
    <section class="card" aria-labelledby="deployed-title">
      <h2 id="deployed-title">已部署的流程</h2>
      <form class="filters" role="search" aria-label="查找流程" onSubmit=${search}>
        <${Field} label="流程 id 或名称" id="definition-q">
          <input id="definition-q" name="q" type="search" maxlength="100" value=${query.q}
            placeholder="如 item_mz001 或 高龄津贴" />
        <//>
        <button type="submit">查询</button>
        ${query.q ? html`<button type="button" onClick=${() => {
          change({ q: "", page: 1 });
          document.getElementById("definition-q").focus();
        }}>清空</button>` : null}
      </form>
      <${Loaded} state=${list} loadingText="正在读取已部署的流程…">
        ${(data) =>
          data.items.length
            ? html`<div class="table-wrap">
                  <table class="list stack definitions">
                    <caption class="visually-hidden">已部署的流程（每个流程的最新版本）</caption>
                    <thead><tr>
                      <th scope="col">流程</th><th scope="col">流程 id</th><th scope="col" class="num">最新版本</th>
                      <th scope="col" class="num">版本数</th><th scope="col">部署时间</th><th scope="col">部署人</th>
                    </tr></thead>
                    <tbody>
                      ${data.items.map(
                        (d) => html`<tr key=${d.process_id}>
                          <td data-label="流程"><a href=${"#/designer/" + encodeURIComponent(d.process_id)}>${d.name || d.process_id}</a></td>
                          <td data-label="流程 id"><code>${d.process_id}</code></td>
                          <td data-label="最新版本" class="num">第 ${d.version} 版</td>
                          <td data-label="版本数" class="num">${d.versions}</td>
                          <td data-label="部署时间">${dateTime(d.deployed_at)}</td>
                          <td data-label="部署人">${d.deployed_by}</td>
                        </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>
                <${Pager} page=${data.page} pageSize=${data.page_size} total=${data.total}
                  onPage=${(page) => change({ page })} />`
            : html`<${Empty}>
                ${query.q
                  ? html`<p>没有流程 id 或名称包含“${query.q}”的流程。</p><p>请换个关键词，或清空搜索查看全部。</p>`
                  : html`<p>还没有部署任何流程。</p><p>${designer ? "请在上方选择 BPMN 文件，校验通过后部署。" : "请联系流程设计员部署。"}</p>`}
              <//>`}
      <//>
    </section>
  <//>`;
}

// ------------------------------------------------------------------- upload

function deployBody(files) {
  const body = new FormData();
  for (const file of files) body.append("files", file, file.name);
  return body;
}

// The problems of a refused deploy, by file, each as PATH:LINE: ELEMENT_ID: message.
function Problems({ problems }) {
  const byFile = new Map();
  for (const problem of problems) {
    const path = problem.path || "（未指明文件）";
    if (!byFile.has(path)) byFile.set(path, []);
    byFile.get(path).push(problem);
  }
  for (const list of byFile.values()) list.sort((a, b) => (a.line || 0) - (b.line || 0));
  return html`<div class="lint" role="alert" aria-labelledby="lint-title">
    <h3 id="lint-title">校验未通过：${problems.length} 个问题，什么也没有部署</h3>
    <p>请在 BPMN 编辑器中按文件和行号修改后，重新选择文件校验。</p>
    ${[...byFile.entries()].map(
      ([path, list]) => html`<section class="lint-file" key=${path}>
        <h4><span class="lint-path">${path}</span>（${list.length} 个问题）</h4>
        <ol class="lint-problems">
          ${list.map(
            (p, index) => html`<li key=${index}><code class="lint-where">${path}${p.line ? ":" + p.line : ""}:</code> ${
              p.element_id ? html`<code class="lint-element">${p.element_id}:</code> ` : null
            }<span class="lint-message">${p.message}</span></li>`,
          )}
        </ol>
      </section>`,
    )}
  </div>`;
}

function Outcome({ result }) {
  const fresh = result.deployed.filter((d) => d.created);
  const same = result.deployed.filter((d) => !d.created);
  return html`<div class=${"notice " + (result.dry_run ? "info" : "ok")} role="status" id="upload-outcome">
    <p><strong>${result.dry_run
      ? fresh.length
        ? `校验通过：部署后 ${fresh.length} 个流程将产生新版本。`
        : "校验通过：与已部署的版本相同，无需部署。"
      : fresh.length
        ? `已部署：${fresh.length} 个流程产生了新版本。`
        : "已部署：内容与已部署的版本相同，没有产生新版本。"}</strong></p>
    <ul class="outcome-list">
      ${fresh.map(
        (d) => html`<li key=${d.process_id}>
          ${result.dry_run
            ? html`<code>${d.process_id}</code>：将成为第 ${d.version} 版`
            : html`<a href=${"#/designer/" + encodeURIComponent(d.process_id) + "?v=" + d.version}><code>${d.process_id}</code></a>：新版本 第 ${d.version} 版`}
        </li>`,
      )}
      ${same.map(
        (d) => html`<li key=${d.process_id}><code>${d.process_id}</code>：无变化（仍为第 ${d.version} 版）</li>`,
      )}
    </ul>
  </div>`;
}

function Upload({ onDeployed }) {
  const [files, setFiles] = useState([]);
  const [busy, setBusy] = useState(null); // "check" | "deploy"
  const [checked, setChecked] = useState(null); // the dry run's result for these files
  const [deployed, setDeployed] = useState(null);
  const [problems, setProblems] = useState(null);
  const [fieldError, setFieldError] = useState(null);
  const [failure, setFailure] = useState(null);
  const input = useRef(null);

  function reset() {
    setChecked(null);
    setProblems(null);
    setFieldError(null);
    setFailure(null);
  }
  function choose(event) {
    setFiles([...event.target.files]);
    setDeployed(null);
    reset();
  }
  async function send(dryRun) {
    if (!files.length) {
      setFieldError("请先选择一个或多个 .bpmn 文件");
      input.current && input.current.focus();
      return;
    }
    reset();
    setBusy(dryRun ? "check" : "deploy");
    try {
      const { data } = await api.request("POST", "/definitions", {
        query: dryRun ? { dry_run: "true" } : undefined,
        body: deployBody(files),
      });
      if (dryRun) setChecked(data);
      else {
        setDeployed(data);
        setFiles([]);
        if (input.current) input.current.value = "";
        const fresh = data.deployed.filter((d) => d.created);
        notify(fresh.length ? `已部署 ${fresh.length} 个新版本。` : "没有产生新版本。");
        onDeployed();
      }
    } catch (error) {
      if (error.problem && Array.isArray(error.problem.problems)) setProblems(error.problem.problems);
      else if (error.fields && error.fields.files) setFieldError(error.fields.files);
      else setFailure(error);
    } finally {
      setBusy(null);
    }
  }
  const fresh = checked ? checked.deployed.some((d) => d.created) : false;
  return html`<section class="card upload" aria-labelledby="upload-title">
    <h2 id="upload-title">上传部署</h2>
    <p>选择一个或多个 BPMN 文件：先校验（不部署），逐条列出问题；校验通过后再部署，每个有变化的流程产生一个新版本。未上传的被调用流程（公共环节）使用其最新已部署版本。</p>
    <${Field} label="BPMN 文件" id="bpmn-files" error=${fieldError} hint="可多选；文件名以 .bpmn 结尾">
      <input id="bpmn-files" ref=${input} type="file" multiple accept=".bpmn,.bpmn20.xml,.xml" onChange=${choose}
        aria-invalid=${fieldError ? "true" : null}
        aria-describedby=${"bpmn-files-hint" + (fieldError ? " bpmn-files-error" : "")} />
    <//>
    ${files.length
      ? html`<p class="chosen">已选择：${files.map((f) => f.name).join("、")}</p>`
      : null}
    <div class="actions">
      <button type="button" class=${checked ? "" : "primary"} disabled=${busy !== null} onClick=${() => send(true)}>
        ${busy === "check" ? "正在校验…" : "校验（不部署）"}
      </button>
      <button type="button" class=${checked && fresh ? "primary" : ""} id="deploy-button"
        disabled=${busy !== null || !checked || !fresh} onClick=${() => send(false)}>
        ${busy === "deploy" ? "正在部署…" : "部署"}
      </button>
      ${!checked && files.length && !problems ? html`<span class="hint">请先校验，通过后才能部署。</span>` : null}
    </div>
    ${failure ? html`<div class="state error" role="alert"><p><strong>${failure.message}</strong></p>
      <p>${failure.status === 403 ? "只有流程设计员可以部署。" : "请稍后重试；如仍不行，请联系系统管理员。"}</p></div>` : null}
    ${problems ? html`<${Problems} problems=${problems} />` : null}
    ${checked ? html`<${Outcome} result=${checked} />` : null}
    ${deployed ? html`<${Outcome} result=${deployed} />` : null}
  </section>`;
}
