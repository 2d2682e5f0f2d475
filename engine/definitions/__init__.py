"""Process definitions at run time: reading, linting, compiling and deploying BPMN. The
tools that write and lay out BPMN files are design-time tooling, in ``engine.design``.

A regular package, not a namespace one: without this file ``pip install .`` and the wheel
left the whole folder out (``ModuleNotFoundError: engine.definitions``).
"""
