"""The lanes the templates draw: role codes (``processes.org.ROLES``, written as each
lane's ``daiban:role``) and the Chinese label each lane is named with."""

from __future__ import annotations

WINDOW = "township_window"
BACKOFFICE = "township_backoffice"
LEADER = "township_leader"
AGENT = "village_agent"
MOBILE = "mobile_agent"
COUNTY = "county_officer"
STATION = "station_officer"
HOSPITAL = "assessment_doctor"
SUPERVISOR = "supervisor"
LANE_LABELS = {
    WINDOW: "乡镇便民服务中心窗口（A岗）",
    BACKOFFICE: "后台审核（B岗）",
    LEADER: "乡镇分管领导",
    AGENT: "村（社区）代办员",
    MOBILE: "流动代办员",
    COUNTY: "县级部门经办人",
    STATION: "基层站所经办人",
    HOSPITAL: "残疾评定定点医院评定医生",
    SUPERVISOR: "效能监督",
}


def lanes(*roles: str) -> dict[str, str]:
    """Lane labels of ``roles``, in the order given (the order the bands are drawn in)."""
    return {role: LANE_LABELS[role] for role in roles}
