"""CxEngage sandbox: a stand-alone, stdlib-only imitation of the CxEngage Interactions REST API.

Run it with ``python -m sandbox``; see docs/sandbox.md. The dashboard never imports this package.
"""
