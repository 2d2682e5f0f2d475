// One process definition (/designer/:id): its deployed versions (GET /definitions/{id})
// and the BPMN diagram of a chosen version, painted by bpmn-js in the framed definition
// diagram page (/definitions/{id}/{version}/diagram, same origin, this tab's session).
import * as api from "../api.js";
import {
  ErrorBox,
  Loaded,
  Page,
  dateTime,
  html,
  routeQuery,
  setRouteQuery,
  useLoad,
  useState,
} from "../ui.js";

export default function Definition({ params }) {
  const id = params.id;
  const state = useLoad(() => api.get("/definitions/" + encodeURIComponent(id)), [id]);
  const [chosen, setChosen] = useState(() => Number(routeQuery().v) || null);
  function choose(version) {
    setRouteQuery({ v: version });
    setChosen(version);
  }
  const versions = state.data ? state.data.versions : [];
  const latest = versions.length ? versions[versions.length - 1] : null;
  const shown = versions.find((v) => v.version === chosen) || latest;
  const title = latest ? `流程定义：${latest.name || id}` : "流程定义";
  return html`<${Page} title=${title} wide
    actions=${html`<a class="button" href="#/designer">返回流程列表</a>`}>
    <${Loaded} state=${state} loadingText="正在读取流程的版本…">
      ${() => html`
        <p class="definition-id">流程 id：<code>${id}</code>，共 ${versions.length} 个版本${
          chosen && shown && shown.version !== chosen ? html`（第 ${chosen} 版不存在，显示最新版本）` : null}。</p>
        <section class="card" aria-labelledby="versions-title">
          <h2 id="versions-title">版本</h2>
          <div class="table-wrap">
            <table class="list stack versions">
              <caption class="visually-hidden">${id} 的已部署版本，最新的在最前</caption>
              <thead><tr>
                <th scope="col">版本</th><th scope="col">名称</th><th scope="col">部署时间</th>
                <th scope="col">部署人</th><th scope="col">内容哈希</th><th scope="col">所用文件</th>
                <th scope="col">流程图</th>
              </tr></thead>
              <tbody>
                ${[...versions].reverse().map(
                  (v) => html`<tr key=${v.version} class=${shown && v.version === shown.version ? "current" : ""}>
                    <td data-label="版本">第 ${v.version} 版${v === latest ? html` <span class="tag green">最新</span>` : null}</td>
                    <td data-label="名称">${v.name}</td>
                    <td data-label="部署时间">${dateTime(v.deployed_at)}</td>
                    <td data-label="部署人">${v.deployed_by}</td>
                    <td data-label="内容哈希"><code title=${v.hash}>${v.hash.slice(0, 12)}</code></td>
                    <td data-label="所用文件">
                      <details><summary>${v.files.length} 个文件</summary>
                        <ul class="files">${v.files.map((f) => html`<li key=${f.path}><code>${f.path}</code></li>`)}</ul>
                      </details>
                    </td>
                    <td data-label="流程图">
                      <button type="button" aria-pressed=${shown && v.version === shown.version ? "true" : "false"}
                        onClick=${() => choose(v.version)}>查看第 ${v.version} 版</button>
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>
        </section>
        ${shown ? html`<${Diagram} id=${id} version=${shown} />` : null}
      `}
    <//>
  <//>`;
}

function Diagram({ id, version }) {
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);
  const name = `${id} 第 ${version.version} 版`;
  async function download() {
    setBusy(true);
    setFailure(null);
    try {
      const { data } = await api.request("GET", `/definitions/${encodeURIComponent(id)}/${version.version}`, {
        text: true,
        headers: { Accept: "application/xml" },
      });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([data], { type: "application/xml" }));
      link.download = `${id}.v${version.version}.bpmn`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }
  return html`<section class="card diagram" aria-labelledby="diagram-title">
    <div class="diagram-head">
      <h2 id="diagram-title">流程图：第 ${version.version} 版</h2>
      <button type="button" onClick=${download} disabled=${busy}>${busy ? "正在下载…" : "下载 BPMN 文件"}</button>
    </div>
    <${ErrorBox} error=${failure} />
    <iframe class="bpmn-frame" key=${version.version} title=${"流程图：" + name}
      src=${`/definitions/${encodeURIComponent(id)}/${version.version}/diagram`}></iframe>
  </section>`;
}
