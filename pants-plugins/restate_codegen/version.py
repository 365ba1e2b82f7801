"""The plugin's version: generated modules check that the runtime they import has the same."""

# Kept in lockstep with the runtime library (restate_glue.version) and both distributions.
__version__ = "0.1.0"
