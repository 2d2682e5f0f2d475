"""The shared call activities every item process is composed of (``processes/bpmn/common/``),
one module each, by process id.

Data contract (set when a case starts): ``item`` (the catalogue entry as plain data,
see ``processes.catalogue.Item.process_data``), ``applicant``, ``channel``, ``via_proxy``.
Each activity documents what it adds to the case data; ``docs/designing-processes.md``
lists them all.
"""

from __future__ import annotations

from collections.abc import Callable

from engine import elements
from engine.design.builder import ProcessBuilder
from engine.design.templates.batch_payout import batch_payout
from engine.design.templates.county_handoff import county_handoff
from engine.design.templates.enforcement import enforcement
from engine.design.templates.evaluation import evaluation
from engine.design.templates.inspection import inspection
from engine.design.templates.intake import intake
from engine.design.templates.pledge import pledge
from engine.design.templates.proxy import proxy
from engine.design.templates.result_delivery import result_delivery
from engine.design.templates.station_handoff import province_handoff, station_handoff
from engine.design.templates.township_review import township_review

COMMON: dict[str, Callable[[], ProcessBuilder]] = {
    elements.INTAKE: intake,
    elements.PLEDGE: pledge,
    elements.PROXY: proxy,
    elements.TOWNSHIP_REVIEW: township_review,
    elements.COUNTY_HANDOFF: county_handoff,
    elements.RESULT_DELIVERY: result_delivery,
    elements.EVALUATION: evaluation,
    elements.ENFORCEMENT: enforcement,
    elements.BATCH_PAYOUT: batch_payout,
    elements.STATION_HANDOFF: station_handoff,
    elements.PROVINCE_HANDOFF: province_handoff,
    elements.INSPECTION: inspection,
}
