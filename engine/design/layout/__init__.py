"""BPMN diagram layout (DI) for the scaffolded processes: a pool with lane bands.

``add_diagram(xml)`` returns the document with a fresh ``bpmndi:BPMNDiagram``:

1. ``grid``: ``tools/layout/layout.mjs`` (Node, bpmn-auto-layout) lays the flow out on a
   grid. bpmn-auto-layout knows nothing of pools and lanes, so only its grid is kept: the
   column (left-to-right order) and row (top-to-bottom order) of every flow node.
2. ``pools``: each process becomes a pool (a ``bpmn:participant`` in a
   ``bpmn:collaboration``, added if missing, see ``document``) and each lane of its laneSet
   a band, stacked in laneSet order. A node keeps its column and goes into its lane's
   band; inside a band the rows its nodes use are kept in bpmn-auto-layout's order and
   packed. Boundary events sit on the bottom edge of their host.
3. ``routing``: every sequence flow is routed again as an orthogonal path (A* over a sparse
   grid of channels around the shapes: few bends, no shape crossed, overlaps with earlier
   flows and crossings avoided), leaving its source on the right (or a gateway's
   top/bottom, a boundary event's bottom) and entering its target on the left (or
   top/bottom).
4. ``labels``: labels of events, gateways and named flows are put where they overlap no
   shape, flow or other label, if such a place is near.

``model`` reads a process into nodes, flows and lanes; ``geometry`` holds the boxes and
text sizes the steps share; ``di`` writes the result. The semantic part of the document is
kept as it is (only re-indented); any earlier diagram is dropped. The output depends on the
input alone (same input, same bytes). Command line: ``python -m engine.design.layout
[--check] PATH...`` rewrites files (``__main__``).
"""

from __future__ import annotations

from engine.design.layout.diagram import add_diagram
from engine.design.layout.grid import LayoutError

__all__ = ["LayoutError", "add_diagram"]
