"""Process definitions: reading, linting, compiling and deploying BPMN (runtime), and the
design-time tools that write and lay out BPMN files (builder, templates, scaffold, layout).

A regular package, not a namespace one: without this file ``pip install .`` and the wheel
left the whole folder out (``ModuleNotFoundError: engine.definitions``).
"""
