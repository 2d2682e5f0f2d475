"""The channels a case is registered through (收件渠道) and the role that registers
through each: data shared by registration (what a case records) and the access policy
(who may register where, in which role).
"""

from __future__ import annotations

CHANNELS = {
    "village_point": "村（社区）代办点",
    "mobile_post": "流动代办",
    "township_window": "乡镇便民服务中心窗口",
    "industrial_park_window": "工业园小窗口",
    "county_centre": "县政务服务中心",
}
# Registered by a proxy agent for the resident (代办): the case remembers it.
PROXY_CHANNELS = frozenset({"village_point", "mobile_post"})
# Windows that register for a resident of any village of the county (全县域通办): the
# case goes to the competent township, the registering unit keeps read access.
COUNTY_WIDE_CHANNELS = frozenset({"township_window", "industrial_park_window", "county_centre"})
# The role that registers through each channel.
CHANNEL_ROLES = {
    "village_point": "village_agent",
    "mobile_post": "mobile_agent",
    "township_window": "township_window",
    "industrial_park_window": "park_window",
    "county_centre": "county_officer",
}
# Who works a case's proxy tasks (entrustment, handover, delivery to the home): the lane
# (role) the templates draw them in, replaced by the lane of the channel that took the
# case in. A mobile post owns what it picked up: its cases' proxy tasks go to the mobile
# agents of the township, not to the village agents.
PROXY_LANES = {"mobile_post": {"village_agent": "mobile_agent"}}
