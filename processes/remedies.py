"""The measures an enforcement decision may order (处理措施): administrative penalties
(《中华人民共和国行政处罚法》第九条) and the orders to put a violation right that a law
gives instead of or beside them (责令停止建设、限期改正、拆除: 《城乡规划法》第六十五条).
An item lists its own (``remedies:`` in the catalogue); the decision offers those."""

from __future__ import annotations

REMEDIES = {
    "warning": "警告",
    "fine": "罚款",
    "confiscation": "没收违法所得、没收非法财物",
    "suspension": "责令停产停业",
    "revocation": "暂扣或吊销许可证件",
    "stop_construction": "责令停止建设",
    "rectify": "责令限期改正",
    "demolish": "拆除",
}
# Without ``remedies:`` a penalty item's decision offers these.
DEFAULT_REMEDIES = ("warning", "fine")
