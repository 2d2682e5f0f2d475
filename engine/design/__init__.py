"""Design-time tooling: writing BPMN files and drawing their diagrams.

``builder`` writes BPMN in code, ``templates`` compose the shared activities and each
catalogue item's process with it, ``layout`` adds the diagram (BPMN DI) with Node's
bpmn-auto-layout, and ``scaffold`` writes the results into the BPMN library
(``daiban scaffold``). A running daiban never needs any of it: the runtime
(``engine.definitions``, ``engine.runtime``, ``engine.cases``, ``engine.store``,
``engine.scripting``) must not import this package (an import contract in ``setup.cfg``
checks it), and ``tools/layout`` exists in a checkout only.
"""
