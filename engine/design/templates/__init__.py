"""Templates that write BPMN processes with the builder: the shared call activities
(``common``, one module each) and an item's own process from its catalogue entry
(``items``)."""
